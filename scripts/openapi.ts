/**
 * Writes the OpenAPI 3.1 document generated from the REST contract (`PortalApi`) to the file named
 * by the first argument, or to stdout: `npm run openapi -- openapi.json`. The lint script reads it.
 */
import { writeFileSync } from "node:fs"
import { openApiDocument } from "../src/http/PortalApi.ts"

const text = JSON.stringify(openApiDocument(), null, 2) + "\n"
const target = process.argv[2]
if (target === undefined) process.stdout.write(text)
else writeFileSync(target, text)
