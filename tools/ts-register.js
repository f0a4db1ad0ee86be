// @ts-check
// Registers ts-node for the project's own processes (the check, its pack hosts, the tests, the
// benchmark): transpile only (CI type-checks with `npm run typecheck`), through the cached
// transpiler in ts-node-cache.js. Kept out of tsconfig.json on purpose, so `pulumi up` and
// `pulumi preview` load the program exactly as the Pulumi CLI decides.
"use strict";

require("ts-node").register({
    transpileOnly: true,
    transpiler: require.resolve("./ts-node-cache.js"),
});
