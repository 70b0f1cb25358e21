//! Secrets at rest (workspace secrets, objective secrets): sealed with AES-256-GCM under
//! the key in the Spin variable `secrets_encryption_key`, bound to the row they belong
//! to (associated data), and opened again with that key or the previous one
//! (`secrets_encryption_key_previous`) while a rotation is under way.
//!
//! A sealed value is text: `sealed:v1:<key id>:<base64url(nonce ‖ ciphertext+tag)>`. The key
//! id (8 hex digits of a SHA-256 of the key) lets SQL find the rows not yet under the
//! current key. A value without the prefix is a row from before sealing: it opens as
//! itself and is reported stale, so the caller seals it on the next write.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use std::fmt;

/// The Spin variable holding the current key (32 random bytes, standard base64).
pub const KEY_VAR: &str = "secrets_encryption_key";
/// The Spin variable holding the key being rotated out.
pub const PREVIOUS_KEY_VAR: &str = "secrets_encryption_key_previous";

const PREFIX: &str = "sealed:v1:";
pub const NONCE_LEN: usize = 12;

/// Why a keyring could not be built, or a value not sealed or opened. Messages name
/// variables and rows, never values.
#[derive(Clone, Debug, PartialEq)]
pub enum SealError {
    /// No current key is configured: nothing may be sealed.
    NoKey,
    /// A variable is set but is not 32 bytes of standard base64.
    BadKey(&'static str),
    /// The value was sealed under a key that is neither current nor previous.
    UnknownKey(String),
    /// Authentication failed: the value was altered or belongs to another row.
    Corrupt,
}

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SealError::NoKey => write!(
                f,
                "secrets cannot be stored: the operator has not set the Spin variable `{KEY_VAR}` (32 random bytes in standard base64, e.g. `openssl rand -base64 32`)"
            ),
            SealError::BadKey(var) => write!(
                f,
                "the Spin variable `{var}` must be 32 random bytes in standard base64 (e.g. `openssl rand -base64 32`)"
            ),
            SealError::UnknownKey(id) => write!(
                f,
                "a secret was sealed under key {id}, which is neither `{KEY_VAR}` nor `{PREVIOUS_KEY_VAR}`"
            ),
            SealError::Corrupt => f.write_str("a sealed secret failed authentication (altered, or moved from another row)"),
        }
    }
}

impl std::error::Error for SealError {}

struct Key {
    id: String,
    cipher: Aes256Gcm,
}

impl Key {
    fn parse(var: &'static str, b64: &str) -> Result<Self, SealError> {
        let bytes = STANDARD
            .decode(b64.trim())
            .map_err(|_| SealError::BadKey(var))?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| SealError::BadKey(var))?;
        let digest = hmac_sha256::Hash::hash(&bytes);
        let id = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| SealError::BadKey(var))?;
        Ok(Key { id, cipher })
    }
}

/// The keys an instance holds: the current one (sealing and opening) and, during a
/// rotation, the previous one (opening only).
pub struct Keyring {
    current: Option<Key>,
    previous: Option<Key>,
}

/// An opened value, and whether it should be sealed again under the current key (it was
/// plain, or sealed under the previous key).
#[derive(Debug, PartialEq)]
pub struct Opened {
    pub value: String,
    pub stale: bool,
}

impl Keyring {
    /// From the two variables' values (unset or empty = absent). A set but malformed
    /// variable is an error: running on without it would strand sealed rows.
    pub fn new(current: Option<&str>, previous: Option<&str>) -> Result<Self, SealError> {
        let parse = |var, v: Option<&str>| {
            v.filter(|s| !s.trim().is_empty())
                .map(|s| Key::parse(var, s))
                .transpose()
        };
        Ok(Keyring {
            current: parse(KEY_VAR, current)?,
            previous: parse(PREVIOUS_KEY_VAR, previous)?,
        })
    }

    pub fn has_key(&self) -> bool {
        self.current.is_some()
    }

    /// The prefix every value sealed under the current key starts with (for finding the
    /// rows that are not, in SQL); `None` without a key.
    pub fn current_prefix(&self) -> Option<String> {
        self.current.as_ref().map(|k| format!("{PREFIX}{}:", k.id))
    }

    /// Seals `value` for the row `aad` names. `nonce` must be fresh random bytes.
    pub fn seal(
        &self,
        value: &str,
        aad: &str,
        nonce: [u8; NONCE_LEN],
    ) -> Result<String, SealError> {
        let key = self.current.as_ref().ok_or(SealError::NoKey)?;
        let payload = Payload {
            msg: value.as_bytes(),
            aad: aad.as_bytes(),
        };
        let sealed = key
            .cipher
            .encrypt(&Nonce::from(nonce), payload)
            .map_err(|_| SealError::Corrupt)?;
        let mut blob = Vec::with_capacity(NONCE_LEN + sealed.len());
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&sealed);
        Ok(format!(
            "{PREFIX}{}:{}",
            key.id,
            URL_SAFE_NO_PAD.encode(blob)
        ))
    }

    /// Opens a stored value of the row `aad` names; a plain (pre-sealing) value opens
    /// as itself, stale.
    pub fn open(&self, stored: &str, aad: &str) -> Result<Opened, SealError> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(Opened {
                value: stored.to_owned(),
                stale: true,
            });
        };
        let (id, b64) = rest.split_once(':').ok_or(SealError::Corrupt)?;
        let (key, stale) = match (&self.current, &self.previous) {
            (Some(k), _) if k.id == id => (k, false),
            (_, Some(k)) if k.id == id => (k, true),
            _ => return Err(SealError::UnknownKey(id.to_owned())),
        };
        let blob = URL_SAFE_NO_PAD
            .decode(b64)
            .map_err(|_| SealError::Corrupt)?;
        if blob.len() < NONCE_LEN {
            return Err(SealError::Corrupt);
        }
        let (nonce, sealed) = blob.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| SealError::Corrupt)?;
        let payload = Payload {
            msg: sealed,
            aad: aad.as_bytes(),
        };
        let plain = key
            .cipher
            .decrypt(&Nonce::from(nonce), payload)
            .map_err(|_| SealError::Corrupt)?;
        let value = String::from_utf8(plain).map_err(|_| SealError::Corrupt)?;
        Ok(Opened { value, stale })
    }
}

/// True when `stored` is sealed text (under any key), not a plain value.
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

#[cfg(test)]
mod tests;
