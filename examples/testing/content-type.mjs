// An S3 filesystem whose writeParams name the content type of every new object: the
// stand-in stores that type too, so a test sees what S3 would serve.
import assert from 'node:assert/strict';
import { filesystem } from '@omnifs/core';
import { memoryStandIn } from '@omnifs/memory';

const pages = filesystem('s3', { region: 'eu-west-1', writeParams: { ContentType: 'text/html; charset=utf-8' } });

const standIn = memoryStandIn(['s3']);
await pages.makedirs('site');
await pages.writeText('site/about', '<h1>About</h1>'); // no extension: the type is the one writeParams names
await pages.cp('site/about', 'site/about.txt'); // a copy keeps its source's type, as CopyObject does
assert.equal((await pages.info('site/about')).contentType, 'text/html; charset=utf-8');
assert.equal((await pages.info('site/about.txt')).contentType, 'text/html; charset=utf-8');
standIn.restore();
console.log('content types as on S3');
