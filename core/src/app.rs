//! OWNER: store helper. TBD.
pub struct AgentApp;
