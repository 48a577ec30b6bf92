//! Commission and cash: the agent's statements and the cash recorded for participants.

use super::*;

/// A cash record as kept: it waits for the next sync (`sent: false`), which reports it to the
/// branch; it is the agent's word, never a confirmed payment.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CashRecorded {
    pub id: String,
    pub record_id: String,
    pub amount: i64,
    /// `Rp50.400`
    pub amount_formatted: String,
    pub months: u32,
    pub collected_at: String,
    pub sent: bool,
}

/// The month a commission request names (`YYYY-MM`), or the running month of `today` without
/// one. `input.parameter` with `month.format`, or `month.future` for a month after `today`'s.
pub fn statement_month(month: Option<&str>, today: NaiveDate) -> Result<YearMonth, CoreError> {
    let running = YearMonth::of(today);
    let month = match month {
        None => running,
        Some(text) => YearMonth::parse(text.trim()).ok_or_else(|| CoreError::InvalidParameter {
            field: "month".into(),
            code: "month.format".into(),
        })?,
    };
    if month > running {
        return Err(CoreError::InvalidParameter {
            field: "month".into(),
            code: "month.future".into(),
        });
    }
    Ok(month)
}

impl AgentApp {
    /// Records cash the agent took from the participant of `record_id`: `amount` rupiah for
    /// `months` contribution months, now. Durable when it returns; sent with the next sync.
    ///
    /// Errors: `input.parameter` (`cash.amount`: 1 to Rp100.000.000; `cash.months`: 1 to 12),
    /// `record.not_found`, `record.not_allowed` (a draft or a record without a participant card:
    /// withdrawn, superseded, rejected on review).
    pub fn record_cash(
        &self,
        record_id: &str,
        amount: i64,
        months: u32,
    ) -> Result<CashRecorded, CoreError> {
        incentive_store::check_cash(amount, months)?;
        let now = self.now();
        let mut store = self.store();
        let state = store.state(record_id)?;
        if store.card(record_id)?.is_none() {
            return Err(CoreError::NotAllowed {
                state: state.as_str().to_string(),
            });
        }
        let item = CashItem {
            id: uuid::Uuid::now_v7().to_string(),
            record_id: record_id.to_string(),
            amount,
            months,
            collected_at: rfc3339(&now),
        };
        let (tx, sealer) = store.write_tx()?;
        incentive_store::insert_cash(&tx, sealer, &item)?;
        tx.commit()?;
        Ok(CashRecorded {
            amount_formatted: crate::message::format_rupiah(item.amount),
            id: item.id,
            record_id: item.record_id,
            amount: item.amount,
            months: item.months,
            collected_at: item.collected_at,
            sent: false,
        })
    }

    /// Cash records waiting for the next sync.
    pub fn unsent_cash(&self) -> Result<u64, CoreError> {
        incentive_store::count_unsent_cash(&self.store().conn)
    }

    /// The commission statement of `month` (`YYYY-MM`; `None`: the running month, in the agent's
    /// time zone), offline: the issued (`confirmed`) one when it came, else the latest
    /// `provisional` estimate the server sent, with the time it was computed in `as_of`. When
    /// nothing came yet for the month, a `provisional` statement with no lines and the time of
    /// the last sync as `as_of` (now, before any sync): the device knows no amounts nor
    /// confirmation dates, so it cannot estimate a commission itself.
    ///
    /// Errors: `input.parameter` with `month.format` (not `YYYY-MM`) or `month.future`.
    pub fn commission(&self, month: Option<&str>) -> Result<Statement, CoreError> {
        let now = self.now();
        let month = statement_month(month, now.date_naive())?;
        let store = self.store();
        if let Some(statement) = incentive_store::statement_for(&store.conn, &store.sealer, month)?
        {
            return Ok(statement);
        }
        let as_of = sync_state::identity(&store.conn)?
            .and_then(|identity| identity.last_sync_at)
            .unwrap_or_else(|| rfc3339(&now));
        Ok(Statement::empty(
            month,
            crate::incentive::Status::Provisional,
            as_of,
        ))
    }
}
