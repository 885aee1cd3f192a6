//! Custom policies: validation, storage, and the engine configuration built from them (issues 4-7).
