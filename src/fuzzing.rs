//! What the fuzz targets in `fuzz/` reach that is not public API (the `fuzzing` feature, off by
//! default): the `WWW-Authenticate` parser, realm validation and token responses.

pub use crate::registry::auth::{
    Challenge, TokenResponse, parse_challenge, token_deadline, token_lifetime, validate_realm,
};
