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
    // One NDK for everyone (16 KB pages by default in r27): the catalog's.
    ndkVersion = libs.versions.ndk.get()

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
        // The uniffi-generated bindings (package id.perisai.ffi), Android flavour (no
        // java.lang.ref.Cleaner below API 33: bindings/uniffi-android.toml); never committed.
        java.srcDir(File(repoRoot, "target/bindings/kotlin-android"))
        jniLibs.srcDir(rustJniLibs)
    }
    // RealServer (a real perisai-server for the UI tests), shared with bindings/jvm's tests.
    sourceSets["test"].java.srcDir(File(repoRoot, "bindings/jvm/src/testkit/kotlin"))

    testOptions {
        // Robolectric reads the linked resources and the merged manifest.
        unitTests.isIncludeAndroidResources = true
        unitTests.all {
            // The UI tests run the real host library and a real perisai-server (both built by
            // `cargo build -p perisai-ffi -p perisai-server`).
            it.systemProperty("jna.library.path", File(repoRoot, "target/debug").path)
            it.systemProperty("perisai.server.bin", File(repoRoot, "target/debug/perisai-server").path)
            it.systemProperty("perisai.root", repoRoot.path)
            it.systemProperty("perisai.screenshots", File(repoRoot, "docs/screenshots/android").path)
            // android.system.SystemCleaner (the bindings' cleaner on API 34+) on a desktop JVM.
            it.jvmArgs("--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED")
        }
    }

    packaging {
        // Debug symbols stay out of the APK: uniffi needs them only on the host, to generate.
        jniLibs.keepDebugSymbols.clear()
    }
}

kotlin {
    compilerOptions { jvmTarget.set(JvmTarget.JVM_17) }
}

// What the Rust library is built from: a cargo task is up to date (skipped) unless one changed.
val rustSources = fileTree(repoRoot) {
    include("Cargo.toml", "Cargo.lock", "core/Cargo.toml", "core/src/**")
    include("domain/Cargo.toml", "domain/src/**", "domain/rulesets/**", "domain/schemes/**")
    include("bindings/Cargo.toml", "bindings/src/**", "bindings/*.toml", "bindings/generate.sh")
}

// Kotlin bindings from the host library (unstripped; see bindings/README.md).
val generateBindings by tasks.registering(Exec::class) {
    description = "Generates the Kotlin bindings with bindings/generate.sh"
    workingDir = repoRoot
    commandLine("bash", "bindings/generate.sh", "--release")
    inputs.files(rustSources)
    outputs.dir(File(repoRoot, "target/bindings/kotlin-android"))
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
    environment("ANDROID_NDK_HOME", android.ndkDirectory.path)
    inputs.files(rustSources)
    inputs.property("abis", rustAbis)
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
