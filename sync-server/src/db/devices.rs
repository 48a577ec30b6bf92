//! Devices: the binding of a device key to an agent and a branch, its status and its chain head.

use sqlx::any::AnyRow;
use sqlx::AnyConnection;

use super::col;

/// A device's status: only `active` devices may send; `revoked` (by an admin, or with a dismissed
/// agent) and `retired` (replaced by a new activation of the same agent) are refused with a wipe.
#[derive(Clone, Debug)]
pub struct Device {
    pub id: String,
    pub branch: String,
    pub agent_id: String,
    pub public_key: Vec<u8>,
    pub status: String,
    pub last_seq: i64,
    pub head_hash: String,
    pub last_receipt_no: i64,
}

impl Device {
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }

    fn from_row(row: &AnyRow) -> Result<Device, sqlx::Error> {
        Ok(Device {
            id: col(row, "id")?,
            branch: col(row, "branch")?,
            agent_id: col(row, "agent_id")?,
            public_key: col(row, "public_key")?,
            status: col(row, "status")?,
            last_seq: col(row, "last_seq")?,
            head_hash: col(row, "head_hash")?,
            last_receipt_no: col(row, "last_receipt_no")?,
        })
    }
}

const COLUMNS: &str =
    "id, branch, agent_id, public_key, status, last_seq, head_hash, last_receipt_no";

/// The device with this id. An id with a NUL character names no device (ids are UUIDs): it is
/// not sent to the database, where PostgreSQL would refuse it as text, an error, not an answer.
pub async fn find(conn: &mut AnyConnection, id: &str) -> Result<Option<Device>, sqlx::Error> {
    if id.contains('\0') {
        return Ok(None);
    }
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM devices WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(Device::from_row).transpose()
}

pub async fn find_by_key(
    conn: &mut AnyConnection,
    public_key: &[u8],
) -> Result<Option<Device>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM devices WHERE public_key = $1"
    ))
    .bind(public_key)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(Device::from_row).transpose()
}
