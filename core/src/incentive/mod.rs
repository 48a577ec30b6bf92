//! Agent incentives (commission, docs/DOMAIN.md §7): the domain's engine, schemes and statements
//! (`perisai_domain::incentive`, re-exported here whole), and [`device`], the one part with
//! storage: what the agent's device keeps (statements from downsync, the cash it recorded),
//! sealed in the store; used by `AgentApp` and the sync client.

pub use perisai_domain::incentive::*;

pub mod device;
