//! Bearer tokens: HS256 JWTs signed with the `jwt_secret` variable (jwt-simple).
//!
//! A token only says which key it belongs to; whether that key may still act —
//! revoked, disabled, rotated, expired, its scopes and workspaces — is read from the
//! database on every request, so changes take effect on the next call.

use crate::error::ApiError;
use jwt_simple::prelude::*;
use ports::Variables;

pub const JWT_SECRET_VAR: &str = "jwt_secret";
/// HS256 secrets shorter than this are refused: they can be brute-forced offline.
pub const MIN_SECRET_LEN: usize = 32;

/// What a token carries (docs/api.md §2 claims, plus `ver`, the key's rotation counter).
#[derive(Clone, Debug, PartialEq)]
pub struct TokenClaims {
    /// `jti`: the API key id.
    pub key_id: String,
    /// `sub`: the key's profile.
    pub profile_id: String,
    /// `acct`
    pub account_id: String,
    /// `ws`: workspace ids, or `["*"]`.
    pub workspaces: Vec<String>,
    pub scopes: Vec<String>,
    /// `ver`: must equal the key's current version (bumped by `:rotate`).
    pub version: i64,
    pub issued_at_ms: i64,
    /// `exp`
    pub expires_at_ms: Option<i64>,
}

#[derive(Serialize, Deserialize)]
struct Custom {
    acct: String,
    ws: Vec<String>,
    scopes: Vec<String>,
    ver: i64,
}

/// The signing secret, or a 500 with the reason in the server log.
pub fn secret(vars: &dyn Variables) -> Result<String, ApiError> {
    match vars.get(JWT_SECRET_VAR) {
        Some(s) if s.len() >= MIN_SECRET_LEN => Ok(s),
        _ => {
            eprintln!("configuration error: the `jwt_secret` variable must be set to at least {MIN_SECRET_LEN} characters");
            Err(ApiError::internal())
        }
    }
}

pub fn mint(secret: &str, c: &TokenClaims) -> Result<String, ApiError> {
    let custom = Custom {
        acct: c.account_id.clone(),
        ws: c.workspaces.clone(),
        scopes: c.scopes.clone(),
        ver: c.version,
    };
    let mut claims = Claims::with_custom_claims(custom, Duration::from_secs(0))
        .with_subject(&c.profile_id)
        .with_jwt_id(&c.key_id);
    claims.issued_at = Some(Duration::from_secs((c.issued_at_ms / 1000).max(0) as u64));
    claims.expires_at = c
        .expires_at_ms
        .map(|ms| Duration::from_secs((ms / 1000).max(0) as u64));
    claims.invalid_before = None;
    HS256Key::from_bytes(secret.as_bytes())
        .authenticate(claims)
        .map_err(|e| {
            eprintln!("token signing failed: {e}");
            ApiError::internal()
        })
}

/// Checks the signature and expiry of `token`; `now_ms` is the host clock.
pub fn verify(secret: &str, token: &str, now_ms: i64) -> Result<TokenClaims, ApiError> {
    let options = VerificationOptions {
        // Issue times come from the hosts' clocks; revocation and expiry are checked
        // against the database and `now_ms` below, so skew must not reject tokens.
        accept_future: true,
        time_tolerance: Some(Duration::from_days(3650)),
        ..Default::default()
    };
    let claims = HS256Key::from_bytes(secret.as_bytes())
        .verify_token::<Custom>(token, Some(options))
        .map_err(|_| {
            ApiError::unauthorized("invalid token: malformed or not signed by this server")
        })?;
    let expires_at_ms = claims.expires_at.map(|d| d.as_secs() as i64 * 1000);
    if expires_at_ms.is_some_and(|exp| exp <= now_ms) {
        return Err(ApiError::unauthorized("token expired"));
    }
    let (Some(key_id), Some(profile_id)) = (claims.jwt_id, claims.subject) else {
        return Err(ApiError::unauthorized("invalid token: missing jti or sub"));
    };
    Ok(TokenClaims {
        key_id,
        profile_id,
        account_id: claims.custom.acct,
        workspaces: claims.custom.ws,
        scopes: claims.custom.scopes,
        version: claims.custom.ver,
        issued_at_ms: claims
            .issued_at
            .map(|d| d.as_secs() as i64 * 1000)
            .unwrap_or(0),
        expires_at_ms,
    })
}

/// The error for a request without a usable `Authorization: Bearer` header.
pub fn missing_token() -> ApiError {
    ApiError::unauthorized("missing bearer token: send `Authorization: Bearer <token>`")
}

/// The token of an `Authorization: Bearer …` header.
pub fn bearer(header: Option<&str>) -> Result<&str, ApiError> {
    let missing = missing_token;
    let value = header.ok_or_else(missing)?.trim();
    let (scheme, token) = value.split_once(' ').ok_or_else(missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(missing());
    }
    Ok(token.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn claims(exp: Option<i64>) -> TokenClaims {
        TokenClaims {
            key_id: "apikey_1".into(),
            profile_id: "prof_1".into(),
            account_id: "acct_1".into(),
            workspaces: vec!["ws_1".into()],
            scopes: vec!["agents:read".into()],
            version: 3,
            issued_at_ms: 1_767_225_600_000,
            expires_at_ms: exp,
        }
    }

    #[test]
    fn round_trip() {
        let token = mint(SECRET, &claims(None)).unwrap();
        let back = verify(SECRET, &token, 1_767_225_600_000).unwrap();
        assert_eq!(back, claims(None));
    }

    #[test]
    fn wrong_secret_and_garbage_are_unauthorized() {
        let token = mint(SECRET, &claims(None)).unwrap();
        let other = "ffffffffffffffffffffffffffffffff";
        assert_eq!(verify(other, &token, 0).unwrap_err().status(), 401);
        assert_eq!(verify(SECRET, "not.a.jwt", 0).unwrap_err().status(), 401);
        let mut tampered = token.clone();
        tampered.pop();
        assert_eq!(verify(SECRET, &tampered, 0).unwrap_err().status(), 401);
    }

    #[test]
    fn expiry_is_exact() {
        let token = mint(SECRET, &claims(Some(1_767_225_700_000))).unwrap();
        assert!(verify(SECRET, &token, 1_767_225_699_000).is_ok());
        let e = verify(SECRET, &token, 1_767_225_700_000).unwrap_err();
        assert_eq!(e.message, "token expired");
    }

    #[test]
    fn bearer_header() {
        assert_eq!(bearer(Some("Bearer abc")).unwrap(), "abc");
        assert_eq!(bearer(Some("bearer  abc ")).unwrap(), "abc");
        assert!(bearer(Some("Basic abc")).is_err());
        assert!(bearer(Some("Bearer ")).is_err());
        assert!(bearer(None).is_err());
    }
}
