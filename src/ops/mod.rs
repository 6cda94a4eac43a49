//! Running Tangkap for real: what tells its owner whether the installation works and
//! keeps working (free disk, `tangkap doctor`, the owners' alerts and their texts), and
//! keeps its data safe (scheduled, checked, off-site backups).

pub mod alert_texts;
pub mod backups;
pub mod disk;
pub mod doctor;
pub mod monitor;
