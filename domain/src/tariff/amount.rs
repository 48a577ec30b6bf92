//! Exact contribution arithmetic. Every amount is kept as an exact fraction of rupiah in integers
//! (rates in basis points, discount factors in basis points) and rounded half-up **once**, at the
//! end (DOMAIN.md §6). No floating point: 1% of Rp1.050.050 is exactly 10,500.5 and becomes 10,501.

/// Basis points in a whole: 10,000 bp = 100%.
pub const WHOLE_BP: i128 = 10_000;

/// `numerator / denominator` rounded half-up (ties away from zero for the non-negative amounts
/// we price). `denominator` must be positive.
pub fn round_half_up(numerator: i128, denominator: i128) -> i128 {
    debug_assert!(denominator > 0);
    let (q, r) = (
        numerator.div_euclid(denominator),
        numerator.rem_euclid(denominator),
    );
    if 2 * r >= denominator {
        q + 1
    } else {
        q
    }
}

/// `income × rate_bp / 10,000 × pay_bp / 10,000`, rounded half-up once.
pub fn percent_of_income(income: i64, rate_bp: u32, pay_bp: u32) -> i64 {
    let exact = i128::from(income) * i128::from(rate_bp) * i128::from(pay_bp);
    clamp(round_half_up(exact, WHOLE_BP * WHOLE_BP))
}

/// `flat × pay_bp / 10,000`, rounded half-up once.
pub fn flat(amount: i64, pay_bp: u32) -> i64 {
    let exact = i128::from(amount) * i128::from(pay_bp);
    clamp(round_half_up(exact, WHOLE_BP))
}

fn clamp(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_rounds_up_once() {
        // DOMAIN.md §6: JKK on Rp1.050.050 is 10,500.5 → 10,501; at 50%, 5,250.25 → 5,250.
        assert_eq!(percent_of_income(1_050_050, 100, 10_000), 10_501);
        assert_eq!(percent_of_income(1_050_050, 100, 5_000), 5_250);
        // Rounding twice (10,500.5 → 10,501, then halved 5,250.5 → 5,251) would be wrong.
        assert_ne!(percent_of_income(1_050_050, 100, 5_000), 5_251);
    }

    #[test]
    fn rounds_below_half_down_and_half_up() {
        assert_eq!(round_half_up(14, 10), 1);
        assert_eq!(round_half_up(15, 10), 2);
        assert_eq!(round_half_up(0, 10), 0);
        assert_eq!(round_half_up(20, 10), 2);
    }

    #[test]
    fn flat_amounts_and_discounts() {
        assert_eq!(flat(6_800, 10_000), 6_800);
        assert_eq!(flat(6_800, 5_000), 3_400);
        assert_eq!(flat(6_801, 5_000), 3_401); // 3,400.5 → 3,401
    }

    #[test]
    fn large_incomes_do_not_overflow() {
        assert_eq!(percent_of_income(i64::MAX, 10_000, 10_000), i64::MAX);
        assert_eq!(percent_of_income(20_700_000, 200, 10_000), 414_000);
    }
}
