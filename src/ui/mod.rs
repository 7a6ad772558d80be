//! Rendering: widgets read `&State`; only ratatui's view state (scroll anchors, layout caches,
//! hit areas) is mutable here.
