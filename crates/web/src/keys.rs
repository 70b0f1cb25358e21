//! Minting API keys and provisioning accounts — shared by the identity component
//! (bootstrap, API key routes) and by component tests.

use crate::auth::{self, TokenClaims};
use crate::error::ApiError;
use model::enums::{ApiKeyState, ProfileType, WorkspaceStatus};
use model::identity::{
    Account, AccountSpec, ApiKey, ApiKeyInfo, ApiKeySpec, BootstrapResponse, Profile, ProfileSpec,
    Workspace, WorkspaceSpec,
};
use model::ids::{AccountId, ApiKeyId, Id, ProfileId, WorkspaceId};
use model::metadata::{AccountResourceMetadata, MetadataFields, ResourceMetadata};
use model::scope::ScopeSet;
use model::time::format_ms;
use ports::Env;
use store::api_keys::KeyRecord;
use store::Db;

/// A key about to be created.
pub struct NewKey<'a> {
    pub account_id: &'a str,
    pub workspace_id: &'a str,
    pub metadata: MetadataFields,
    pub description: Option<String>,
    pub scopes: &'a ScopeSet,
    pub expires_at_ms: Option<i64>,
    /// The profile creating the key.
    pub created_by: &'a str,
}

/// Inserts a key and the profile it acts as; returns the stored record (no token).
pub fn create(db: &Db, env: &Env, now_ms: i64, k: NewKey) -> Result<KeyRecord, ApiError> {
    let key_id: ApiKeyId = Id::generate(now_ms, env.random.next_u128());
    let profile_id: ProfileId = Id::generate(now_ms, env.random.next_u128());
    let created_at = format_ms(now_ms);
    let profile = Profile {
        metadata: AccountResourceMetadata {
            id: profile_id.to_string(),
            account_id: k.account_id.to_owned(),
            profile_id: k.created_by.to_owned(),
            created_at: created_at.clone(),
            name: k.metadata.name.clone(),
            external_id: None,
            labels: Default::default(),
        },
        spec: ProfileSpec {
            kind: ProfileType::ApiKey,
            email: None,
            name: Some(k.metadata.name.clone()),
        },
    };
    store::identity::insert_profile(db, &profile)?;
    let record = KeyRecord {
        key: ApiKey {
            metadata: ResourceMetadata {
                id: key_id.to_string(),
                account_id: k.account_id.to_owned(),
                workspace_id: k.workspace_id.to_owned(),
                profile_id: k.created_by.to_owned(),
                created_at: created_at.clone(),
                updated_at: created_at,
                name: k.metadata.name,
                external_id: k.metadata.external_id,
                labels: k.metadata.labels,
                bundle_key: k.metadata.bundle_key,
            },
            spec: ApiKeySpec {
                token: None,
                description: k.description,
                scopes: k.scopes.to_strings(),
                expires_at: k.expires_at_ms.map(format_ms),
            },
            state: ApiKeyState::Enabled,
            info: Some(ApiKeyInfo {
                profile_id: profile_id.to_string(),
                created_by: None,
                workspace_ids: vec![k.workspace_id.to_owned()],
                last_rotated_at: None,
            }),
        },
        key_profile_id: profile_id.to_string(),
        version: 1,
        expires_at: k.expires_at_ms,
    };
    store::api_keys::insert(db, &record, now_ms)?;
    Ok(record)
}

/// A signed token for the key's current version.
pub fn token(env: &Env, record: &KeyRecord, now_ms: i64) -> Result<String, ApiError> {
    let secret = auth::secret(env.vars)?;
    let workspaces = record
        .key
        .info
        .as_ref()
        .map(|i| i.workspace_ids.clone())
        .unwrap_or_default();
    auth::mint(
        &secret,
        &TokenClaims {
            key_id: record.key.metadata.id.clone(),
            profile_id: record.key_profile_id.clone(),
            account_id: record.key.metadata.account_id.clone(),
            workspaces,
            scopes: record.key.spec.scopes.clone(),
            version: record.version,
            issued_at_ms: now_ms,
            expires_at_ms: record.expires_at,
        },
    )
}

/// Creates an account with its system profile, a first workspace and an all-scopes
/// key for it (`POST /v1/bootstrap`). Runs inside the caller's transaction.
pub fn provision(
    db: &Db,
    env: &Env,
    now_ms: i64,
    account_name: &str,
    workspace_name: &str,
) -> Result<BootstrapResponse, ApiError> {
    let account_id: AccountId = Id::generate(now_ms, env.random.next_u128());
    let system_id: ProfileId = Id::generate(now_ms, env.random.next_u128());
    let workspace_id: WorkspaceId = Id::generate(now_ms, env.random.next_u128());
    let created_at = format_ms(now_ms);
    let meta = |id: String, name: &str| AccountResourceMetadata {
        id,
        account_id: account_id.to_string(),
        profile_id: system_id.to_string(),
        created_at: created_at.clone(),
        name: name.to_owned(),
        external_id: None,
        labels: Default::default(),
    };
    let account = Account {
        metadata: meta(account_id.to_string(), account_name),
        spec: AccountSpec::default(),
        info: None,
    };
    store::identity::insert_account(db, &account)?;
    let system = Profile {
        metadata: meta(system_id.to_string(), "system"),
        spec: ProfileSpec {
            kind: ProfileType::System,
            email: None,
            name: Some("system".into()),
        },
    };
    store::identity::insert_profile(db, &system)?;
    let workspace = Workspace {
        metadata: meta(workspace_id.to_string(), workspace_name),
        spec: WorkspaceSpec::default(),
        status: WorkspaceStatus::Enabled,
    };
    store::identity::insert_workspace(db, &workspace)?;
    let all = ScopeSet::new(vec![model::scope::Scope::All]);
    let record = create(
        db,
        env,
        now_ms,
        NewKey {
            account_id: account_id.as_str(),
            workspace_id: workspace_id.as_str(),
            metadata: MetadataFields {
                name: "bootstrap".into(),
                ..Default::default()
            },
            description: Some("Created by POST /v1/bootstrap. Rotate or revoke it once you have minted narrower keys.".into()),
            scopes: &all,
            expires_at_ms: None,
            created_by: system_id.as_str(),
        },
    )?;
    let mut api_key = record.key.clone();
    api_key.spec.token = Some(token(env, &record, now_ms)?);
    Ok(BootstrapResponse {
        account,
        workspace,
        api_key,
    })
}
