/** Always quoted, `"` doubled: PostgreSQL reads it back as exactly `name`, reserved words and case included. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
