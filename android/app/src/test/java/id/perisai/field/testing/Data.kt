package id.perisai.field.testing

/** Enrollments as agents fill them in (DOMAIN.md §3): Siti Aminah and her neighbours at Pasar Anyar. */
object Data {
    /** Distinct valid NIKs of women born 15/01/1990 in Kab. Bogor; [serial] makes them unique. */
    fun nik(serial: Int): String = "320115550190" + "%04d".format(1000 + serial)

    fun enrollment(
        nik: String = nik(0),
        name: String = "Siti Aminah",
        enrolledOn: String? = null,
        occupation: String = "PEDAGANG",
    ): String = """{"nik": "$nik", "full_name": "$name",
        "birth_place": "Bogor", "birth_date": "1990-01-15", "sex": "F",
        "phone": "0812 3456 7890", "address": "Pasar Anyar Blok C No. 12, Bogor",
        "occupation": "$occupation", "monthly_income": 2000000, "programs": ["JKK", "JKM"],
        "payment_months": 3, "consent": true${enrolledOn?.let { ", \"enrolled_on\": \"$it\"" }.orEmpty()}}"""
}
