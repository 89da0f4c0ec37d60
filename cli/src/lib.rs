//! The pppp command-line tool.
