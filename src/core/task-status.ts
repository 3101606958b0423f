/** ReplicationTask.Status values DMS documents. */
export const TASK_STATUSES = [
  'creating',
  'ready',
  'starting',
  'running',
  'stopping',
  'stopped',
  'failed',
  'deleting',
  'modifying',
  'moving',
  'failed-move',
  'testing',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
