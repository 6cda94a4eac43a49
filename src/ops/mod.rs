//! Running Tangkap for real: what tells its owner whether the installation works and
//! keeps working (free disk, `tangkap doctor`).

pub mod disk;
pub mod doctor;
