//! Enrolling: the form, validation, quotes, drafts, submit, withdraw and correct.

use super::*;

/// What validation asks the store. The trait answers `bool`, so a store error is kept aside and
/// returned after validation instead of being read as "not found".
struct StoreLookups<'a> {
    store: &'a Store,
    /// A `queued` record being replaced: it does not count as a duplicate of its replacement.
    replacing: Option<&'a str>,
    failure: RefCell<Option<CoreError>>,
}

impl StoreLookups<'_> {
    fn answer(&self, result: Result<bool, CoreError>) -> bool {
        result.unwrap_or_else(|e| {
            *self.failure.borrow_mut() = Some(e);
            false
        })
    }
}

impl RecordLookups for StoreLookups<'_> {
    fn local_duplicate(&self, nik: &str, except_id: Option<&str>) -> bool {
        self.answer(
            self.store
                .local_duplicate(nik, except_id.or(self.replacing)),
        )
    }

    /// The branch's NIK tag list, brought by sync (false before activation).
    fn known_nik(&self, nik: &str) -> bool {
        self.answer(sync_state::known_nik(
            &self.store.conn,
            &self.store.sealer,
            nik,
        ))
    }

    fn can_supersede(&self, id: &str) -> bool {
        self.answer(self.store.can_supersede(id))
    }
}

impl AgentApp {
    /// The form to render, with the limits of the rule set in force today.
    pub fn form(&self) -> FormDefinition {
        let today = self.now().date_naive();
        let rules = self.rule_book();
        form::definition_for(rules.in_force(today).unwrap_or(rules.latest()))
    }

    /// Validates without saving. Local duplicates (`nik.duplicate_local`) come from the store.
    pub fn validate(&self, input_json: &str) -> Result<ValidationReport, CoreError> {
        let input = parse_object(input_json)?;
        let store = self.store();
        let today = self.now().date_naive();
        let (report, _) = self.run_validation(&store, &input, today, None)?;
        Ok(report)
    }

    /// A contribution quote (DOMAIN.md §6).
    pub fn quote(&self, request: &QuoteRequest) -> Result<Quote, CoreError> {
        Ok(tariff::quote(&self.rule_book(), request)?)
    }

    /// The contribution for the enrollment form as filled so far (a JSON object, not validated;
    /// see [`QuoteRequest::from_form`]), with the agent's today when no date was entered. `None`
    /// while there is nothing to price, or the values are outside the rule set's limits (the
    /// validation report says why). Malformed JSON is `input.malformed`.
    pub fn quote_form(&self, input_json: &str) -> Result<Option<Quote>, CoreError> {
        let value: serde_json::Value =
            serde_json::from_str(input_json).map_err(|_| CoreError::MalformedInput)?;
        let form = value.as_object().ok_or(CoreError::MalformedInput)?;
        Ok(QuoteRequest::from_form(form, self.now().date_naive())
            .and_then(|request| self.quote(&request).ok()))
    }

    /// Saves a draft (any JSON object, sealed, not validated); `draft_id` updates that draft.
    /// Returns the draft's id.
    pub fn save_draft(
        &self,
        draft_id: Option<&str>,
        input_json: &str,
    ) -> Result<String, CoreError> {
        let input = parse_object(input_json)?;
        self.store().save_draft(draft_id, &input, &self.now())
    }

    /// The JSON object saved in a draft, to edit it.
    pub fn load_draft(&self, draft_id: &str) -> Result<String, CoreError> {
        let value = self.store().load_draft(draft_id)?;
        serde_json::to_string(&value).map_err(|_| CoreError::Store("cannot encode draft".into()))
    }

    /// Deletes a draft.
    pub fn discard_draft(&self, draft_id: &str) -> Result<(), CoreError> {
        self.store().discard_draft(draft_id)
    }

    /// Validates, seals and durably queues an enrollment with the next receipt number. If the
    /// input names a record in `supersedes` (a `has_issues` or `rejected` one), that record
    /// becomes `superseded` in the same transaction.
    pub fn submit(&self, input_json: &str, accept_warnings: bool) -> Result<Submitted, CoreError> {
        let input = parse_object(input_json)?;
        self.submit_value(Some(input), accept_warnings, How::New)
    }

    /// Submits a saved draft; the record keeps the draft's id.
    pub fn submit_draft(
        &self,
        draft_id: &str,
        accept_warnings: bool,
    ) -> Result<Submitted, CoreError> {
        self.submit_value(None, accept_warnings, How::Draft(draft_id))
    }

    /// Withdraws a `queued` record (it stays as a `withdrawn` tombstone with its receipt number;
    /// its personal content is erased). A draft is discarded. Anything else is `NotAllowed`.
    pub fn withdraw(&self, id: &str) -> Result<(), CoreError> {
        self.store().withdraw(id, &self.now())
    }

    /// Corrects record `id` with a new enrollment, as a new record with the next receipt number:
    /// - `queued` (never sent): the old record becomes `withdrawn` (a tombstone; the server never
    ///   saw it, so nothing "supersedes" it there) and the new record has no `supersedes`;
    /// - `has_issues` or `rejected`: the new record has `supersedes` = `id`, and the old one
    ///   becomes `superseded`.
    ///
    /// Both in one transaction with the insert.
    pub fn correct(
        &self,
        id: &str,
        input_json: &str,
        accept_warnings: bool,
    ) -> Result<Submitted, CoreError> {
        let input = parse_object(input_json)?;
        self.submit_value(Some(input), accept_warnings, How::Correct(id))
    }

    /// `input` is `None` for a draft, which is read under the same lock as the insert.
    fn submit_value(
        &self,
        input: Option<serde_json::Value>,
        accept_warnings: bool,
        how: How<'_>,
    ) -> Result<Submitted, CoreError> {
        // One lock from validation to commit: the duplicate check and the insert see one state.
        let mut store = self.store();
        // One reading of the clock: "today" for the rules and `created_at` agree at midnight.
        let now = self.now();
        let mut input = match (input, &how) {
            (Some(input), _) => input,
            (None, How::Draft(id)) => store.load_draft(id)?,
            (None, _) => return Err(CoreError::MalformedInput),
        };
        let (origin, replacing) = match how {
            How::New => (Origin::New, None),
            How::Draft(id) => (Origin::Draft(id.to_string()), None),
            How::Correct(id) => {
                let state = store.state(id)?;
                let obj = input.as_object_mut().ok_or(CoreError::MalformedInput)?;
                match state {
                    RecordState::Queued => {
                        // `supersedes` is managed by the device; a replacement has none.
                        obj.remove("supersedes");
                        (Origin::Replaces(id.to_string()), Some(id))
                    }
                    RecordState::HasIssues | RecordState::Rejected => {
                        obj.insert("supersedes".into(), id.into());
                        (Origin::New, None)
                    }
                    other => {
                        return Err(CoreError::NotAllowed {
                            state: other.as_str().to_string(),
                        })
                    }
                }
            }
        };
        let (report, enrollment) =
            self.run_validation(&store, &input, now.date_naive(), replacing)?;
        let blocked =
            !report.errors.is_empty() || (!report.warnings.is_empty() && !accept_warnings);
        let enrollment = match enrollment {
            Some(e) if !blocked => e,
            _ => return Err(CoreError::Invalid(Box::new(report))),
        };
        let rules = self.rule_book();
        let rule_set = rules
            .in_force(enrollment.enrolled_on)
            .map(|r| r.id.clone())
            .ok_or_else(|| CoreError::InvalidParameter {
                field: "enrolled_on".into(),
                code: "rule_set.none".into(),
            })?;
        let quote = tariff::quote(&rules, &QuoteRequest::for_enrollment(&enrollment))?;
        let created_at = rfc3339(&now);
        let content = RecordContent {
            form_version: FORM_VERSION,
            rule_set,
            consent: ConsentRecord {
                text_version: CONSENT_TEXT_VERSION.to_string(),
                given_at: created_at.clone(),
            },
            created_at,
            warnings_confirmed: report.warnings,
            quote_total: quote.total_due,
            enrollment,
        };
        store.insert_submitted(&content, origin)
    }

    fn run_validation(
        &self,
        store: &Store,
        input: &serde_json::Value,
        today: NaiveDate,
        replacing: Option<&str>,
    ) -> Result<(ValidationReport, Option<crate::record::Enrollment>), CoreError> {
        let lookups = StoreLookups {
            store,
            replacing,
            failure: RefCell::new(None),
        };
        let result = rules::validate(input, today, &self.rule_book(), &lookups);
        // A store error during a look-up must not pass as "no duplicate".
        if let Some(e) = lookups.failure.into_inner() {
            return Err(e);
        }
        Ok(result)
    }
}
