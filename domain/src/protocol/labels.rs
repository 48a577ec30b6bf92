//! The context labels of every signature in the protocol (docs/ARCHITECTURE.md §4): a signature
//! is made over `label ‖ 0x00 ‖ payload` (`crate::signer::signed_message`), so a signature made
//! for one purpose can never be replayed as another.

/// Context label of a frozen batch header signed by the device.
pub const LABEL_BATCH: &str = "perisai/v1/batch";
/// Context label of a signed downsync or other device request (method ‖ path ‖ body hash ‖ nonce).
pub const LABEL_REQUEST: &str = "perisai/v1/request";
/// Context label of the activation request (proof of possession of the new key).
pub const LABEL_ACTIVATE: &str = "perisai/v1/activate";
/// Context label of a server acknowledgement of a batch.
pub const LABEL_ACK: &str = "perisai/v1/ack";
/// Context label of a server downsync response.
pub const LABEL_DOWNSYNC: &str = "perisai/v1/downsync";
/// Context label of a server key rotation: the outgoing server key vouching for the next one
/// ([`super::rotation`]).
pub const LABEL_ROTATE: &str = "perisai/v1/rotate";

/// Every context label, for tests and for servers that want to check a label is known.
pub const LABELS: [&str; 6] = [
    LABEL_BATCH,
    LABEL_REQUEST,
    LABEL_ACTIVATE,
    LABEL_ACK,
    LABEL_DOWNSYNC,
    LABEL_ROTATE,
];
