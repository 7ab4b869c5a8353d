// An application module: its S3 filesystem is made once, when the module is imported.
import { filesystem } from '@omnifs/core';

export const s3 = filesystem('s3', { region: 'eu-west-1' });

export async function saveReport(name, rows) {
  await s3.writeText(`reports/${name}.csv`, rows.map((row) => row.join(',')).join('\n'));
}
