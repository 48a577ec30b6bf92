// Top-level build file: plugins are declared here (from gradle/libs.versions.toml) and applied in
// the modules.
plugins {
    alias(libs.plugins.android.application) apply false
    alias(libs.plugins.kotlin.android) apply false
    alias(libs.plugins.kotlin.compose) apply false
}
