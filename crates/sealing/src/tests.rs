#![allow(clippy::unwrap_used)]

use super::*;

const A: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="; // bytes 0..32
const B: &str = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="; // bytes 32..64

fn ring(current: Option<&str>, previous: Option<&str>) -> Keyring {
    Keyring::new(current, previous).unwrap()
}

#[test]
fn a_sealed_value_opens_for_its_row_only_and_never_shows_the_value() {
    let k = ring(Some(A), None);
    let sealed = k.seal("hunter2", "secret_1", [7; NONCE_LEN]).unwrap();
    assert!(sealed.starts_with(&k.current_prefix().unwrap()));
    assert!(!sealed.contains("hunter2"));
    assert_eq!(
        k.open(&sealed, "secret_1").unwrap(),
        Opened {
            value: "hunter2".into(),
            stale: false
        }
    );
    assert_eq!(k.open(&sealed, "secret_2"), Err(SealError::Corrupt));
    let mut tampered = sealed.clone();
    tampered.pop();
    tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
    assert_eq!(k.open(&tampered, "secret_1"), Err(SealError::Corrupt));
}

#[test]
fn rotation_opens_old_values_as_stale_and_seals_new_ones_under_the_new_key() {
    let old = ring(Some(A), None);
    let sealed_old = old.seal("v", "row", [1; NONCE_LEN]).unwrap();
    let rotated = ring(Some(B), Some(A));
    assert_eq!(
        rotated.open(&sealed_old, "row").unwrap(),
        Opened {
            value: "v".into(),
            stale: true
        }
    );
    let sealed_new = rotated.seal("v", "row", [2; NONCE_LEN]).unwrap();
    assert!(!rotated.open(&sealed_new, "row").unwrap().stale);
    assert_ne!(old.current_prefix(), rotated.current_prefix());
    // once the old key is dropped, its rows name a key nobody holds
    let only_new = ring(Some(B), None);
    assert!(matches!(
        only_new.open(&sealed_old, "row"),
        Err(SealError::UnknownKey(_))
    ));
}

#[test]
fn plain_rows_open_as_themselves_and_are_stale() {
    let k = ring(None, None);
    assert_eq!(
        k.open("plain", "row").unwrap(),
        Opened {
            value: "plain".into(),
            stale: true
        }
    );
    assert!(!is_sealed("plain"));
}

#[test]
fn without_a_key_nothing_is_sealed_and_bad_keys_name_their_variable() {
    let k = ring(None, Some(""));
    assert!(!k.has_key() && k.current_prefix().is_none());
    assert_eq!(k.seal("v", "row", [0; NONCE_LEN]), Err(SealError::NoKey));
    assert!(SealError::NoKey.to_string().contains(KEY_VAR));
    for bad in ["not base64!", "c2hvcnQ="] {
        assert_eq!(
            Keyring::new(Some(bad), None).err(),
            Some(SealError::BadKey(KEY_VAR))
        );
        assert_eq!(
            Keyring::new(Some(A), Some(bad)).err(),
            Some(SealError::BadKey(PREVIOUS_KEY_VAR))
        );
    }
}
