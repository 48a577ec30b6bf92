//! What a signed-in account may see, as SQL: every query of the web app takes a [`Scope`] and
//! appends its condition, so rows outside the scope never leave the database (ARCHITECTURE.md §5).
//!
//! - `admin`: everything;
//! - `supervisor`: its branch and the sub-branches below it (`branches.parent_code`, any depth);
//! - `wadah`: the agents of its own Wadah (read-only, enforced by the POST extractor).
//!
//! Queries are built with [`Sql`], a small text-plus-parameters builder that numbers `$n`
//! parameters itself (the `Any` driver takes `$n` on both engines).
//!
//! ```text
//! let mut q = Sql::new("SELECT id FROM enrollments WHERE id = ");
//! q.bind(id).push(" AND ");
//! user.scope.filter(&mut q, "branch", Some("agent_id"));
//! let rows = q.fetch_all(db.pool()).await?;
//! ```

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool};

/// Where a user may look.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// An admin: every branch.
    All,
    /// A supervisor: these branch codes (its own and all below it).
    Branches(Vec<String>),
    /// A Wadah account: the agents of this Wadah (in its one branch).
    Wadah { branch: String, wadah_id: String },
}

/// One parameter of a built query.
#[derive(Clone, Debug)]
enum Arg {
    Text(String),
    Int(i64),
}

/// SQL text with numbered parameters.
#[derive(Clone, Debug, Default)]
pub struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            args: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Appends `$n` bound to a text value.
    pub fn bind(&mut self, value: impl Into<String>) -> &mut Sql {
        self.args.push(Arg::Text(value.into()));
        let n = self.args.len();
        self.text.push_str(&format!("${n}"));
        self
    }

    /// Appends `$n` bound to an integer.
    pub fn bind_int(&mut self, value: i64) -> &mut Sql {
        self.args.push(Arg::Int(value));
        let n = self.args.len();
        self.text.push_str(&format!("${n}"));
        self
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    fn query(&self) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
        let mut query = sqlx::query(&self.text);
        for arg in &self.args {
            query = match arg {
                Arg::Text(s) => query.bind(s.clone()),
                Arg::Int(i) => query.bind(*i),
            };
        }
        query
    }

    pub async fn fetch_all(&self, pool: &AnyPool) -> Result<Vec<AnyRow>, sqlx::Error> {
        self.query().fetch_all(pool).await
    }

    pub async fn fetch_optional(&self, pool: &AnyPool) -> Result<Option<AnyRow>, sqlx::Error> {
        self.query().fetch_optional(pool).await
    }

    pub async fn execute(&self, conn: &mut AnyConnection) -> Result<u64, sqlx::Error> {
        Ok(self.query().execute(conn).await?.rows_affected())
    }
}

impl Scope {
    /// Loads the scope of an account from its role, branch and Wadah.
    pub async fn load(
        pool: &AnyPool,
        role: &str,
        branch: Option<&str>,
        wadah_id: Option<&str>,
    ) -> Result<Scope, sqlx::Error> {
        match (role, branch, wadah_id) {
            ("admin", _, _) => Ok(Scope::All),
            ("supervisor", Some(branch), _) => {
                let codes: Vec<String> = sqlx::query_scalar(
                    "WITH RECURSIVE sub(code) AS (
                         SELECT code FROM branches WHERE code = $1
                         UNION SELECT b.code FROM branches b JOIN sub ON b.parent_code = sub.code)
                     SELECT code FROM sub ORDER BY code",
                )
                .bind(branch)
                .fetch_all(pool)
                .await?;
                Ok(Scope::Branches(codes))
            }
            ("wadah", Some(branch), Some(wadah)) => Ok(Scope::Wadah {
                branch: branch.to_string(),
                wadah_id: wadah.to_string(),
            }),
            // An account without what its role needs sees nothing.
            _ => Ok(Scope::Branches(Vec::new())),
        }
    }

    /// Appends the condition "this row is in scope" for a row whose branch is `branch_col` and
    /// whose agent is `agent_col` (an SQL expression; `None` when the row has no agent, which a
    /// Wadah account then never sees).
    pub fn filter(&self, q: &mut Sql, branch_col: &str, agent_col: Option<&str>) {
        match self {
            Scope::All => {
                q.push("1 = 1");
            }
            Scope::Branches(codes) if codes.is_empty() => {
                q.push("1 = 0");
            }
            Scope::Branches(codes) => {
                q.push(branch_col).push(" IN (");
                for (i, code) in codes.iter().enumerate() {
                    if i > 0 {
                        q.push(", ");
                    }
                    q.bind(code.clone());
                }
                q.push(")");
            }
            Scope::Wadah { branch, wadah_id } => match agent_col {
                None => {
                    q.push("1 = 0");
                }
                Some(agent) => {
                    q.push(branch_col)
                        .push(" = ")
                        .bind(branch.clone())
                        .push(" AND ")
                        .push(agent)
                        .push(" IN (SELECT id FROM agents WHERE wadah_id = ")
                        .bind(wadah_id.clone())
                        .push(")");
                }
            },
        }
    }

    /// The (branch, agent) slices a list query walks one by one, each on an index, newest first;
    /// `None` means "one national walk" (an admin without an agent filter).
    pub async fn partitions(
        &self,
        pool: &AnyPool,
        agent: Option<&str>,
    ) -> Result<Option<Vec<(String, Option<String>)>>, sqlx::Error> {
        if let Some(agent) = agent {
            let mut q = Sql::new("SELECT branch, id FROM agents WHERE id = ");
            q.bind(agent).push(" AND ");
            self.filter(&mut q, "branch", Some("id"));
            let rows = q.fetch_all(pool).await?;
            return rows
                .iter()
                .map(|r| {
                    Ok((
                        crate::db::col::<String>(r, "branch")?,
                        Some(crate::db::col::<String>(r, "id")?),
                    ))
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map(Some);
        }
        match self {
            Scope::All => Ok(None),
            Scope::Branches(codes) => Ok(Some(codes.iter().map(|c| (c.clone(), None)).collect())),
            Scope::Wadah { wadah_id, .. } => {
                let rows: Vec<(String, String)> =
                    sqlx::query_as("SELECT branch, id FROM agents WHERE wadah_id = $1 ORDER BY id")
                        .bind(wadah_id)
                        .fetch_all(pool)
                        .await?;
                Ok(Some(rows.into_iter().map(|(b, a)| (b, Some(a))).collect()))
            }
        }
    }

    /// The branches an export or a form may name: `None` for an admin (any branch).
    pub fn branches(&self) -> Option<Vec<String>> {
        match self {
            Scope::All => None,
            Scope::Branches(codes) => Some(codes.clone()),
            Scope::Wadah { branch, .. } => Some(vec![branch.clone()]),
        }
    }

    /// Whether `branch` is one this scope reaches (for an admin: any).
    pub fn has_branch(&self, branch: &str) -> bool {
        self.branches()
            .is_none_or(|codes| codes.iter().any(|c| c == branch))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_write_their_condition_as_bound_parameters() {
        let mut q = Sql::new("");
        Scope::Branches(vec!["KC01".into(), "KCP1".into()]).filter(&mut q, "e.branch", None);
        assert_eq!(q.text(), "e.branch IN ($1, $2)");
        let mut q = Sql::new("");
        Scope::Branches(vec![]).filter(&mut q, "branch", Some("agent_id"));
        assert_eq!(q.text(), "1 = 0");
        let mut q = Sql::new("");
        let wadah = Scope::Wadah {
            branch: "KC01".into(),
            wadah_id: "w1".into(),
        };
        wadah.filter(&mut q, "branch", None);
        assert_eq!(
            q.text(),
            "1 = 0",
            "a Wadah never sees rows without an agent"
        );
        let mut q = Sql::new("");
        wadah.filter(&mut q, "branch", Some("agent_id"));
        assert_eq!(
            q.text(),
            "branch = $1 AND agent_id IN (SELECT id FROM agents WHERE wadah_id = $2)"
        );
    }
}
