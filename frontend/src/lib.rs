//! Browser entry point. The server-rendered HTML loads this wasm module, which calls
//! [`hydrate`] to attach the same Leptos components to the existing DOM.

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
