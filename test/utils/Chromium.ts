/** The plain test Chromium (launch flags, path, puppeteer calls as Effects) lives with the simulator's test kit. */
export * from "../../simulator/test/utils/Chromium.ts"
