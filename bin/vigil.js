#!/usr/bin/env node
// Thin launcher so `npx vigil` runs the compiled CLI.
import '../dist/main.js';
