// Perisai Field for Android: one app module over the Rust core (libperisai_ffi.so, built per ABI
// with cargo-ndk) and its uniffi-generated Kotlin bindings.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "perisai-field"
include(":app")
