// An application module: it writes a report to whatever URL it is given.
import { urlToFs } from '@omnifs/core';

export async function saveReport(url, rows) {
  const { fs, path } = urlToFs(url);
  await fs.writeText(path, rows.map((row) => row.join(',')).join('\n'));
}
