//! Helpers for component tests: a provisioned account and in-process calls.

use crate::keys;
use model::identity::BootstrapResponse;
use ports::HttpService;
use serde_json::Value;
use store::{schema, Db};

pub const TEST_SECRET: &str = "test-secret-test-secret-test-secret!";
/// The key secrets are sealed with in component tests (32 bytes, standard base64).
pub const TEST_SECRETS_KEY: &str = "dGVzdC1zZWNyZXRzLWtleS0zMi1ieXRlcy1sb25nISE=";

/// Provisions an account, workspace and all-scopes key on `host`.
pub fn provision(host: &host::native::NativeHost) -> BootstrapResponse {
    host.vars.set(crate::auth::JWT_SECRET_VAR, TEST_SECRET);
    host.vars.set("secrets_encryption_key", TEST_SECRETS_KEY);
    let env = host.env();
    let db = Db::new(env.sql);
    schema::ensure(&db).expect("schema");
    db.transaction(true, |db| {
        keys::provision(db, &env, env.clock.now_ms(), "acme", "main")
    })
    .expect("provision")
}

/// Calls `app` in process; returns status, JSON body (Null when empty) and headers.
pub fn call<S: HttpService>(
    app: &S,
    host: &host::native::NativeHost,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value, http::HeaderMap) {
    let mut req = http::Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let bytes = body
        .map(|b| serde_json::to_vec(&b).expect("json"))
        .unwrap_or_default();
    let req = req.body(bytes).expect("request");
    let env = host.env();
    let (resp, after) = app.handle(env, req);
    app.after(env, after);
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = if resp.body().is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(resp.body()).expect("JSON response")
    };
    (status, body, headers)
}

/// The shared fixture of component tests: a native host with a provisioned account
/// (one workspace, an all-scopes key), calling `app` in process.
pub struct Harness<S: HttpService + 'static> {
    pub app: &'static S,
    pub host: host::native::NativeHost,
    pub boot: BootstrapResponse,
    /// The all-scopes key's token.
    pub token: String,
    /// `/v1/workspaces/{workspaceId}`, the prefix of canonical routes.
    pub ws: String,
}

impl<S: HttpService + 'static> Harness<S> {
    pub fn new(app: &'static S) -> Self {
        let host = host::native::NativeHost::new();
        let boot = provision(&host);
        Harness {
            app,
            token: boot
                .api_key
                .spec
                .token
                .clone()
                .expect("bootstrap returns a token"),
            ws: format!("/v1/workspaces/{}", boot.workspace.metadata.id),
            boot,
            host,
        }
    }

    /// The workspace's id.
    pub fn workspace_id(&self) -> &str {
        &self.boot.workspace.metadata.id
    }

    /// Calls this harness's app at an absolute path with the all-scopes token.
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let (s, b, _) = call(self.app, &self.host, method, path, Some(&self.token), body);
        (s, b)
    }

    /// Calls `app` (another component, to set something up) at `rest` below the
    /// workspace prefix.
    pub fn on<A: HttpService>(
        &self,
        app: &A,
        method: &str,
        rest: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let path = format!("{}{rest}", self.ws);
        let (s, b, _) = call(app, &self.host, method, &path, Some(&self.token), body);
        (s, b)
    }

    /// Calls this harness's app at `rest` below the workspace prefix.
    pub fn in_ws(&self, method: &str, rest: &str, body: Option<Value>) -> (u16, Value) {
        self.on(self.app, method, rest, body)
    }

    /// Like [`Harness::on`], asserting the status; returns the body.
    pub fn expect_on<A: HttpService>(
        &self,
        app: &A,
        method: &str,
        rest: &str,
        body: Option<Value>,
        status: u16,
    ) -> Value {
        let (s, b) = self.on(app, method, rest, body);
        assert_eq!(s, status, "{method} {rest}: {b}");
        b
    }

    /// POSTs `body` at `rest` below the workspace prefix to this app; asserts 201.
    pub fn created(&self, rest: &str, body: Value) -> Value {
        self.expect_on(self.app, "POST", rest, Some(body), 201)
    }

    /// SQL statements executed so far (hot paths assert their cost).
    pub fn statements(&self) -> usize {
        self.host.sql.statements.get()
    }
}

impl<S: HttpService + 'static> Harness<S> {
    /// Sets Spin variables on the host (model keys, private targets, rate limits).
    pub fn with_vars(self, vars: &[(&str, &str)]) -> Self {
        for (name, value) in vars {
            self.host.vars.set(name, value);
        }
        self
    }

    /// Like [`Harness::on`], but the request's background work (the engine's kick)
    /// never runs, as when the instance dies right after answering.
    pub fn without_after<A: HttpService>(
        &self,
        app: &A,
        method: &str,
        rest: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        self.on(&Unkicked(app), method, rest, body)
    }
}

/// `app` with its after-response work dropped.
struct Unkicked<'a, A>(&'a A);

impl<A: HttpService> HttpService for Unkicked<'_, A> {
    type After = A::After;

    fn handle(
        &self,
        env: ports::Env<'_>,
        req: http::Request<Vec<u8>>,
    ) -> (http::Response<Vec<u8>>, A::After) {
        self.0.handle(env, req)
    }

    fn after(&self, _env: ports::Env<'_>, _after: A::After) {}

    fn body_limit(&self) -> usize {
        self.0.body_limit()
    }
}

/// Asserts `app` serves exactly `catalog` (in order) and that `/openapi.json`
/// documents each of them.
pub fn assert_serves_catalog(app: &crate::App, catalog: &[&api::Operation]) {
    let served: Vec<&str> = app.routes.iter().map(|r| r.op.id).collect();
    let expected: Vec<&str> = catalog.iter().map(|op| op.id).collect();
    assert_eq!(served, expected);
    let documented: Vec<&str> = api::all().iter().map(|op| op.id).collect();
    assert!(served.iter().all(|id| documented.contains(id)));
}
