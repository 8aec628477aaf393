/** Spreadsheets read back with exceljs, the way the tests compare them with what they expect (the simulator test kit's). */
export * from "../../simulator/test/utils/Sheets.ts"
