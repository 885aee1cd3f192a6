//! Building blocks shared by the pages.

pub mod api_security;
pub mod feedback;
pub mod layout;
pub mod list;
pub mod nav;
