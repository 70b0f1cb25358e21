//! Objective feedback, and the variation scores it moves.

use crate::db::{json_text, Db, Row, StoreError};
use crate::identity::{profile_at, PROFILE_COLS};
use crate::list::{self, ListQuery, Listed, Source};
use model::metadata::OperationMetadata;
use model::objective::{FeedbackData, FeedbackInfo, ObjectiveFeedback};
use model::time::{format_ms, parse_ms};
use model::variation::BareMetadata;
use ports::Value;

/// Stores the feedback and moves its variation's Beta(α, β): α += (1+score)/2,
/// β += (1−score)/2 (inside the caller's transaction).
pub fn insert(
    db: &Db,
    f: &ObjectiveFeedback,
    agent_id: &str,
    variation_id: &str,
    objective_id: &str,
) -> Result<(), StoreError> {
    let m = &f.metadata;
    db.exec(
        "INSERT INTO feedback (id, account_id, workspace_id, profile_id, external_id, labels, objective_id,
             agent_id, variation_id, score, comment, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        &[
            m.id.as_str().into(),
            m.account_id.as_str().into(),
            m.workspace_id.as_str().into(),
            m.profile_id.clone().into(),
            m.external_id.clone().into(),
            json_text(&m.labels),
            objective_id.into(),
            agent_id.into(),
            variation_id.into(),
            Value::Real(f.data.score),
            f.data.comment.clone().into(),
            parse_ms(&m.created_at).map_err(StoreError::Backend)?.into(),
        ],
    )?;
    db.exec(
        "UPDATE variations SET alpha = alpha + (1 + ?2) / 2.0, beta = beta + (1 - ?2) / 2.0,
             feedback_count = feedback_count + 1
         WHERE id = ?1",
        &[variation_id.into(), Value::Real(f.data.score)],
    )?;
    Ok(())
}

const COLS: &str = "f.id, f.account_id, f.workspace_id, f.profile_id, f.external_id, f.labels, f.objective_id,
    f.variation_id, (SELECT name FROM variations WHERE id = f.variation_id), f.score, f.comment, f.created_at";
const JOIN: &str = "LEFT JOIN profiles p ON p.id = f.profile_id";

fn from_row(row: &[Value]) -> Result<ObjectiveFeedback, StoreError> {
    let r = Row(row);
    let score = r.real(9)?;
    Ok(ObjectiveFeedback {
        metadata: OperationMetadata {
            id: r.text(0)?,
            account_id: r.text(1)?,
            workspace_id: r.text(2)?,
            profile_id: r.opt_text(3)?.unwrap_or_default(),
            created_at: format_ms(r.int(11)?),
            external_id: r.opt_text(4)?,
            labels: r.json(5)?,
        },
        data: FeedbackData {
            score,
            comment: r.opt_text(10)?,
        },
        info: Some(FeedbackInfo {
            agent_variation: BareMetadata {
                id: r.text(7)?,
                name: r.opt_text(8)?,
            },
            objective: BareMetadata {
                id: r.text(6)?,
                name: None,
            },
            submitted_by: profile_at(&r, 12)?,
        }),
    })
}

/// Filters of the agent-wide list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FeedbackFilters {
    pub variation_id: Option<String>,
    pub created_after_ms: Option<i64>,
    pub created_before_ms: Option<i64>,
    pub min_score: Option<f64>,
    pub max_score: Option<f64>,
}

fn run(
    db: &Db,
    scope_col: &'static str,
    scope: &str,
    q: &ListQuery,
    f: &FeedbackFilters,
) -> Result<Listed<ObjectiveFeedback>, StoreError> {
    let mut filters = Vec::new();
    if let Some(v) = &f.variation_id {
        filters.push((
            "f.variation_id = ?".to_owned(),
            vec![Value::from(v.as_str())],
        ));
    }
    if let Some(t) = f.created_after_ms {
        filters.push(("f.created_at > ?".to_owned(), vec![Value::Integer(t)]));
    }
    if let Some(t) = f.created_before_ms {
        filters.push(("f.created_at < ?".to_owned(), vec![Value::Integer(t)]));
    }
    if let Some(s) = f.min_score {
        filters.push(("f.score >= ?".to_owned(), vec![Value::Real(s)]));
    }
    if let Some(s) = f.max_score {
        filters.push(("f.score <= ?".to_owned(), vec![Value::Real(s)]));
    }
    let columns = format!("{COLS}, {PROFILE_COLS}");
    let from = format!("FROM feedback f {JOIN}");
    let src = Source {
        columns: &columns,
        from: &from,
        count_from: "FROM feedback f",
        alias: "f",
        scope_col,
        scope,
        counter: None,
        filters,
        prefix_col: "f.comment",
    };
    list::run(db, src, q)?.try_map(|row| from_row(&row))
}

pub fn list_of_objective(
    db: &Db,
    objective_id: &str,
    q: &ListQuery,
) -> Result<Listed<ObjectiveFeedback>, StoreError> {
    run(
        db,
        "f.objective_id",
        objective_id,
        q,
        &FeedbackFilters::default(),
    )
}

pub fn list_of_agent(
    db: &Db,
    agent_id: &str,
    q: &ListQuery,
    f: &FeedbackFilters,
) -> Result<Listed<ObjectiveFeedback>, StoreError> {
    run(db, "f.agent_id", agent_id, q, f)
}

pub fn get(db: &Db, id: &str) -> Result<Option<ObjectiveFeedback>, StoreError> {
    let row = db.one(
        &format!("SELECT {COLS}, {PROFILE_COLS} FROM feedback f {JOIN} WHERE f.id = ?1"),
        &[id.into()],
    )?;
    row.map(|r| from_row(&r)).transpose()
}
