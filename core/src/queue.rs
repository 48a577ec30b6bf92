//! OWNER: helper. TBD.
