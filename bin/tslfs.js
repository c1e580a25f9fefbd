#!/usr/bin/env node
// The installed entry point: git runs this for the filters and hooks, so it only hands over to
// the bundled CLI (built by `npm run build`, or by `prepare` on install).
import '../dist/cli/main.mjs';
