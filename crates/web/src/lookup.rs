//! The moves most handlers make around a resource: load what the path names (a 404
//! naming it when it is not there) and refuse to delete what variations still use.

use crate::ctx::Ctx;
use crate::error::ApiError;
use model::ids::{Kind, Ref};
use store::{Db, StoreError};

impl Ctx<'_> {
    /// Adds a model to the workspace's catalog (enabled) unless it is there; a present
    /// row keeps its state and takes the newer context length and key. Discovery and
    /// the variations that name a model both come through here.
    pub fn offer_model(&self, db: &Db, offered: &store::models::Offered) -> Result<(), ApiError> {
        let id: model::ids::ModelId = self.new_id();
        let fields = model::metadata::MetadataFields {
            name: offered.name.to_owned(),
            external_id: Some(offered.model_id.to_owned()),
            labels: Default::default(),
            bundle_key: None,
        };
        let meta = self.new_metadata(id.into_string(), fields)?;
        store::models::upsert(db, &meta, offered)?;
        Ok(())
    }

    /// The resource path parameter `param` names, read with `get` in this request's
    /// workspace. A malformed reference is a 400 naming the parameter; an absent
    /// resource a 404: "<noun> <reference> not found".
    pub fn lookup<K: Kind, T>(
        &self,
        db: &Db,
        param: &str,
        noun: &str,
        get: impl FnOnce(&Db, &str, &Ref<K>) -> Result<Option<T>, StoreError>,
    ) -> Result<T, ApiError> {
        let r: Ref<K> = self.reference(param)?;
        get(db, self.workspace()?, &r)?.ok_or_else(|| self.not_found(param, noun))
    }

    /// The 404 for what path parameter `param` names.
    pub fn not_found(&self, param: &str, noun: &str) -> ApiError {
        ApiError::not_found(format!("{noun} {} not found", self.param(param)))
    }
}

/// What a delete must not pull out from under a variation.
#[derive(Clone, Copy, Debug)]
pub enum Assigned<'a> {
    /// A tool or memory layer, by id.
    Resource(&'a str),
    /// A tool set, or any of its tools.
    ToolSet(&'a str),
    /// An agent used as a sub-agent by other agents' variations (its own variations
    /// go with it).
    SubAgent(&'a str),
}

/// 409 naming the variations (up to 20) that still assign the resource, described
/// as `what` in the message; `Ok` when none do.
pub fn ensure_unassigned(db: &Db, target: Assigned<'_>, what: &str) -> Result<(), ApiError> {
    let (id, via_tools, own_agent) = match target {
        Assigned::Resource(id) => (id, false, None),
        Assigned::ToolSet(id) => (id, true, None),
        Assigned::SubAgent(id) => (id, false, Some(id)),
    };
    let users: Vec<(String, String)> = store::variations::referrers(db, id, via_tools)?
        .into_iter()
        .filter(|r| own_agent != Some(r.agent_id.as_str()))
        .map(|r| (r.variation_id, r.variation_name))
        .collect();
    if users.is_empty() {
        return Ok(());
    }
    Err(ApiError::in_use(what, &users))
}
