/**
 * The arguments of check_postgres's slot check (Debian package check-postgres) on a local server,
 * what the benches put `dms-cdc health` side by side with: retained WAL per replication slot.
 */
export function checkPostgresSlotArgs(port: number, warning: string, critical: string): string[] {
  return [
    '--action=replication_slots',
    '--host=127.0.0.1',
    `--port=${port}`,
    '--dbuser=postgres',
    '--dbname=postgres',
    `--warning=${warning}`,
    `--critical=${critical}`,
  ];
}
