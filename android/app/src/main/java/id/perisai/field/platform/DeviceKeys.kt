package id.perisai.field.platform

import id.perisai.ffi.DeviceSigner
import id.perisai.ffi.KeyVault

/**
 * The device's two keys as the core uses them: the [KeyVault] that wraps the store's data key and
 * the P-256 [DeviceSigner] bound to the agent at activation. On a phone they are [AndroidKeys]
 * (Android Keystore, StrongBox when present); the JVM tests, where no Keystore exists, give the
 * same crypto classes keys made by the JVM.
 */
interface DeviceKeys {
    fun keyVault(): KeyVault

    fun signer(): DeviceSigner

    /** After the server revoked this device: the signing key goes too. */
    fun deleteSigningKey()
}
