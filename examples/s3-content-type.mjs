// docs/protocols/s3.md: the content type a write gives. node s3-content-type.mjs BUCKET
import { filesystem } from '@omnifs/core';
import '@omnifs/s3';

const fs = filesystem('s3');
const bucket = process.argv[2];
await fs.makedirs(bucket, { existOk: true });
await fs.pipe({ [`${bucket}/site/index.html`]: '<h1>hi</h1>', [`${bucket}/site/data`]: 'x' });
console.log((await fs.info(`${bucket}/site/index.html`)).contentType); // text/html
console.log((await fs.info(`${bucket}/site/data`)).contentType);       // application/octet-stream
const plain = filesystem('s3', { writeParams: { ContentType: 'text/plain' } });
await plain.pipe(`${bucket}/site/raw.html`, '<h1>hi</h1>');
console.log((await fs.info(`${bucket}/site/raw.html`)).contentType);   // text/plain
