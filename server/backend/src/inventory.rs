//! Queries of the API inventory for the Assets page (issue 4).
