export type SettingValue = string | number | boolean;
export type Settings = Readonly<Record<string, SettingValue>>;

const NAME = /^[a-z_][a-z0-9_.]*$/;

/** Renders settings as postgresql.conf lines, quoting strings the way the server expects. */
export function renderSettings(settings: Settings): string {
  return Object.entries(settings)
    .map(([name, value]) => {
      if (!NAME.test(name)) throw new Error(`invalid PostgreSQL setting name: ${JSON.stringify(name)}`);
      return `${name} = ${renderValue(value)}`;
    })
    .join('\n');
}

function renderValue(value: SettingValue): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'number') return String(value);
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/** What every node here needs: logical decoding, slots, and a quiet, fast, loopback-only server. */
export function baseSettings(port: number, socketDir: string): Settings {
  return {
    port,
    listen_addresses: '127.0.0.1',
    unix_socket_directories: socketDir,
    wal_level: 'logical',
    max_replication_slots: 20,
    max_wal_senders: 20,
    max_connections: 60,
    shared_buffers: '32MB',
    // Durability across an OS crash is not what these throwaway servers are for;
    // a killed postmaster still recovers, because the OS keeps the written pages.
    fsync: false,
    full_page_writes: true,
    hot_standby: true,
    // Dynamic shared memory as files in the data directory, so a killed server's segments go
    // with its directory instead of piling up in /dev/shm.
    dynamic_shared_memory_type: 'mmap',
    logging_collector: false,
    log_min_messages: 'warning',
  };
}
