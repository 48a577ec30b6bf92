import org.jetbrains.kotlin.gradle.dsl.JvmTarget

// The Perisai Field app. The Rust core is built per ABI with cargo-ndk into build/rustJniLibs and
// packed as jniLibs; the Kotlin bindings are generated from the host library by
// bindings/generate.sh into ../target/bindings/kotlin and compiled with the app.
plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
    alias(libs.plugins.kotlin.compose)
}

val repoRoot: File = rootDir.parentFile
val rustAbis = listOf("arm64-v8a", "armeabi-v7a", "x86_64")
val rustJniLibs = layout.buildDirectory.dir("rustJniLibs")

android {
    namespace = "id.perisai.field"
    compileSdk = 35

    defaultConfig {
        applicationId = "id.perisai.field"
        minSdk = 24
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
        ndk { abiFilters += rustAbis }
    }

    buildTypes {
        release {
            isMinifyEnabled = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
        // java.time (dates in the logic classes) on Android 7 (API 24-25).
        isCoreLibraryDesugaringEnabled = true
    }

    buildFeatures { compose = true }

    sourceSets["main"].apply {
        // The uniffi-generated bindings (package id.perisai.ffi); never committed.
        java.srcDir(File(repoRoot, "target/bindings/kotlin"))
        jniLibs.srcDir(rustJniLibs)
    }
    // RealServer (a real perisai-server for the UI tests), shared with bindings/jvm's tests.
    sourceSets["test"].java.srcDir(File(repoRoot, "bindings/jvm/src/testkit/kotlin"))

    testOptions {
        // Robolectric reads the linked resources and the merged manifest.
        unitTests.isIncludeAndroidResources = true
    }

    packaging {
        // Debug symbols stay out of the APK: uniffi needs them only on the host, to generate.
        jniLibs.keepDebugSymbols.clear()
    }
}

kotlin {
    compilerOptions { jvmTarget.set(JvmTarget.JVM_17) }
}

// Kotlin bindings from the host library (unstripped; see bindings/README.md).
val generateBindings by tasks.registering(Exec::class) {
    description = "Generates the Kotlin bindings with bindings/generate.sh"
    workingDir = repoRoot
    commandLine("bash", "bindings/generate.sh", "--release")
    outputs.dir(File(repoRoot, "target/bindings/kotlin"))
}

// libperisai_ffi.so for each ABI, in the size-optimized `mobile` profile (Cargo.toml; needs the Android NDK and `cargo install cargo-ndk`, plus
// `rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android`).
val cargoNdk by tasks.registering(Exec::class) {
    description = "Builds libperisai_ffi.so for ${rustAbis.joinToString()} with cargo-ndk"
    workingDir = repoRoot
    val targets = rustAbis.flatMap { listOf("-t", it) }
    commandLine(
        listOf("cargo", "ndk") + targets +
            listOf("--platform", "24", "-o", rustJniLibs.get().asFile.path, "build", "-p", "perisai-ffi", "--lib", "--profile", "mobile"),
    )
    outputs.dir(rustJniLibs)
}

tasks.named("preBuild") { dependsOn(generateBindings, cargoNdk) }

dependencies {
    implementation(libs.androidx.core.ktx)
    implementation(libs.androidx.lifecycle.runtime.ktx)
    implementation(libs.androidx.lifecycle.runtime.compose)
    implementation(libs.androidx.lifecycle.viewmodel.compose)
    implementation(libs.androidx.activity.compose)
    implementation(platform(libs.androidx.compose.bom))
    implementation(libs.androidx.compose.ui)
    implementation(libs.androidx.compose.ui.tooling.preview)
    implementation(libs.androidx.compose.material3)
    implementation(libs.androidx.navigation.compose)
    implementation(libs.androidx.work.runtime.ktx)
    implementation(libs.androidx.fragment.ktx) // MainActivity is a FragmentActivity (BiometricPrompt)
    implementation(libs.androidx.biometric)
    implementation(libs.kotlinx.serialization.json)
    implementation(libs.zxing.android.embedded)
    // The AAR flavour of JNA carries libjnidispatch.so for every Android ABI.
    implementation(libs.jna) { artifact { type = "aar" } }
    coreLibraryDesugaring(libs.desugar.jdk.libs)
    debugImplementation(libs.androidx.compose.ui.tooling)

    // UI tests on the JVM (Robolectric), against the real library and a real perisai-server:
    // see android/README.md. CI runs the same tests without Gradle (scripts/android-tests.sh).
    testImplementation(libs.junit4)
    testImplementation(libs.robolectric)
    testImplementation(platform(libs.androidx.compose.bom))
    testImplementation(libs.androidx.compose.ui.test.junit4)
    testImplementation(libs.androidx.work.testing)
    debugImplementation(libs.androidx.compose.ui.test.manifest)
}
