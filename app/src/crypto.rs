//! The secrets' helpers in one place: random tokens (sessions, payment links, shared quotes),
//! the hash a bearer token is stored under, hex, and password hashing (Argon2id) kept from taking
//! the server down under a burst of sign-ins.
//!
//! Argon2 is made to be expensive: with the default parameters one check holds 19 MiB and a core
//! for tens of milliseconds. Run on the async workers, a burst of sign-ins stalled every other
//! request (`/healthz` for 14–30 s) and the fresh 19 MiB allocation of each check, made on many
//! threads, grew the allocator's arenas to gigabytes. So a check here
//! - waits for one of a few slots (about one per core, at most [`MAX_SLOTS`]),
//! - runs on the blocking pool, never on an async worker,
//! - works in a memory block taken from a pool and given back afterwards: at most one block per
//!   slot ever exists, so memory stays flat however many sign-ins arrive.

use crate::error::AppError;
use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use blake2::{Blake2b, Digest, digest::consts::U32};
use rand_core::{OsRng, RngCore};
use std::sync::{LazyLock, Mutex};

/// The most password checks that run at once in one process.
pub const MAX_SLOTS: usize = 4;

fn slot_count() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, MAX_SLOTS)
}

static SLOTS: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| tokio::sync::Semaphore::new(slot_count()));

/// Argon2 working memory, reused between checks (at most one per slot).
static MEMORY: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

/// Hashes a password with Argon2id and a fresh random salt (PHC string format). For the rare
/// account creation and password change; sign-in checks go through [`verify_password`].
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal("hashing a password failed", e))
}

/// Whether `password` matches the PHC string `phc`: in a slot, on the blocking pool, in pooled
/// memory. A malformed hash never matches.
pub async fn verify_password(password: &str, phc: &str) -> bool {
    let Ok(_slot) = SLOTS.acquire().await else { return false };
    let (password, phc) = (password.to_owned(), phc.to_owned());
    tokio::task::spawn_blocking(move || verify_in_pooled_memory(&password, &phc)).await.unwrap_or(false)
}

fn verify_in_pooled_memory(password: &str, phc: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else { return false };
    let (Some(expected), Some(salt)) = (hash.hash, hash.salt) else { return false };
    let (Ok(params), Ok(algorithm)) = (Params::try_from(&hash), Algorithm::try_from(hash.algorithm)) else {
        return false;
    };
    let Ok(version) = hash.version.map_or(Ok(Version::default()), Version::try_from) else { return false };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else { return false };
    let mut memory = take_memory(params.block_count());
    let mut out = vec![0u8; expected.len()];
    let computed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password.as_bytes(),
        salt,
        &mut out,
        &mut memory[..],
    );
    give_back(memory);
    // `Output`'s equality is constant-time.
    computed.is_ok() && Output::new(&out).is_ok_and(|o| o == expected)
}

fn take_memory(blocks: usize) -> Vec<Block> {
    let pooled = MEMORY.lock().map(|mut pool| pool.pop()).unwrap_or(None);
    let mut memory = pooled.unwrap_or_default();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    memory
}

fn give_back(memory: Vec<Block>) {
    if let Ok(mut pool) = MEMORY.lock() {
        if pool.len() < MAX_SLOTS {
            pool.push(memory);
        }
    }
}

/// 32 random bytes from the operating system as 64 hex digits: the secret behind sessions,
/// payment links and shared quotes.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

/// The BLAKE2b-256 hash (hex) under which a bearer token (session, payment link) is stored.
pub fn token_hash(token: &str) -> String {
    digest_hex(token.as_bytes())
}

/// The BLAKE2b-256 hash of bytes, as hex.
pub fn digest_hex(bytes: &[u8]) -> String {
    hex(&Blake2b::<U32>::digest(bytes))
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An Argon2id hash of a random password, checked against when the username does not exist.
pub static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    hash_password(&hex(&bytes)).unwrap_or_default()
});

/// A one-time temporary password an admin hands over: 12 letters and digits in three groups of
/// four (`Kx7p-3Hq9-Wm4t`), without the look-alikes 0 O 1 l I; about 70 bits.
pub fn temporary_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut out = String::with_capacity(14);
    let mut bytes = [0u8; 1];
    while out.chars().filter(|c| *c != '-').count() < 12 {
        OsRng.fill_bytes(&mut bytes);
        // Rejection sampling keeps every character equally likely.
        if usize::from(bytes[0]) >= 256 - 256 % ALPHABET.len() {
            continue;
        }
        if !out.is_empty() && out.chars().filter(|c| *c != '-').count() % 4 == 0 && !out.ends_with('-') {
            out.push('-');
        }
        out.push(char::from(ALPHABET[usize::from(bytes[0]) % ALPHABET.len()]));
    }
    out
}

/// The standard base64 alphabet.
const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Standard base64 (padding optional); `None` for a character outside the alphabet.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter(|c| *c != b'=') {
        let v = B64.iter().position(|b| *b == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_round_trips() {
        for len in 0..10 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 5) as u8).collect();
            let text = super::base64_encode(&bytes);
            assert_eq!(text.len() % 4, 0);
            assert_eq!(super::base64_decode(&text).unwrap(), bytes);
        }
        assert_eq!(super::base64_encode(b"Man"), "TWFu");
        assert_eq!(super::base64_encode(b"Ma"), "TWE=");
    }
}
