// Where each requirement is documented; findings link here so a reader can check our reading.
const DMS = 'https://docs.aws.amazon.com/dms/latest/userguide';
const SOURCE = `${DMS}/CHAP_Source.PostgreSQL.html`;
const PG = 'https://www.postgresql.org/docs/current';

export const REF = {
  versions: `${SOURCE}#CHAP_Source.PostgreSQL`,
  selfManagedCdc: `${SOURCE}#CHAP_Source.PostgreSQL.Prerequisites.CDC`,
  rdsCdc: `${SOURCE}#CHAP_Source.PostgreSQL.RDSPostgreSQL.CDC`,
  rdsPrerequisites: `${SOURCE}#CHAP_Source.PostgreSQL.RDSPostgreSQL.Prerequisites`,
  selfManagedPrerequisites: `${SOURCE}#CHAP_Source.PostgreSQL.Prerequisites.SelfManaged`,
  nonMasterUser: `${SOURCE}#CHAP_Source.PostgreSQL.RDSPostgreSQL.NonMasterUser`,
  logicalReplication: `${SOURCE}#CHAP_Source.PostgreSQL.Security`,
  pglogical: `${SOURCE}#CHAP_Source.PostgreSQL.Security.Pglogical`,
  nativeStartPoint: `${SOURCE}#CHAP_Source.PostgreSQL.v10`,
  limitations: `${SOURCE}#CHAP_Source.PostgreSQL.Limitations`,
  dataTypes: `${SOURCE}#CHAP_Source-PostgreSQL-DataTypes`,
  homogeneous: `${SOURCE}#CHAP_Source.PostgreSQL.Homogeneous.DMS`,
  postgis: `${SOURCE}#CHAP_Source.PostgreSQL.DataTypes.Spatial`,
  assessments: `${DMS}/CHAP_Tasks.AssessmentReport.PG.html`,
  wildcards: `${DMS}/CHAP_Tasks.CustomizingTasks.TableMapping.SelectionTransformation.Wildcards.html`,
  target: `${DMS}/CHAP_Target.PostgreSQL.html`,
  kinesisTarget: `${DMS}/CHAP_Target.Kinesis.html`,
  rocksetKinesis: 'https://docs.rockset.com/documentation/docs/postgresql',
  targetSecurity: `${DMS}/CHAP_Target.PostgreSQL.html#CHAP_Target.PostgreSQL.Security`,
  pgReplicationSettings: `${PG}/runtime-config-replication.html`,
  pgWalSettings: `${PG}/runtime-config-wal.html`,
  pgResourceSettings: `${PG}/runtime-config-resource.html`,
  pgClientSettings: `${PG}/runtime-config-client.html`,
  pgReplicaIdentity: `${PG}/sql-altertable.html#SQL-ALTERTABLE-REPLICA-IDENTITY`,
  pgUnlogged: `${PG}/sql-createtable.html#SQL-CREATETABLE-UNLOGGED`,
  pgSlots: `${PG}/view-pg-replication-slots.html`,
  pgFailoverSlots: `${PG}/logicaldecoding-explanation.html#LOGICALDECODING-REPLICATION-SLOTS-SYNCHRONIZATION`,
  pgPreparedXacts: `${PG}/view-pg-prepared-xacts.html`,
  pgStatActivity: `${PG}/monitoring-stats.html#MONITORING-PG-STAT-ACTIVITY-VIEW`,
} as const;
