//! Small helpers shared by the domain modules and the edge, depending on nothing else in
//! Vellum: address ranges, date and time syntax, e-mail syntax.

pub mod email;
pub mod net;
pub mod time;
