/**
 * `npm run demo`: the simulator and the service wired together.
 * Not wired yet: the portal simulator (issue #3) and the service surface (issue #6) come first.
 */
console.log("npm run demo: not wired yet — the portal simulator and the HTTP service are still being built.")
process.exitCode = 1
