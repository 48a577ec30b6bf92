//! `uniffi-bindgen`, pinned to the workspace's uniffi version so generated Kotlin and Swift always
//! match the scaffolding compiled into the library. Run through `bindings/generate.sh`.
fn main() {
    uniffi::uniffi_bindgen_main()
}
