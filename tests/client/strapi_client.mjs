// Drives the published @strapi/client against a running Vellum (VELLUM_URL, VELLUM_TOKEN), as a
// Strapi front end would: find/findOne/create/update/delete with fields, filters, sort,
// pagination and status, and the error shapes. Prints one line per check; exits 1 on the first
// difference from what Strapi 5.54 answers (every check was run against the Strapi peer too).
import { strapi } from '@strapi/client';

const client = strapi({ baseURL: `${process.env.VELLUM_URL}/api`, auth: process.env.VELLUM_TOKEN });
const articles = client.collection('articles');

function same(what, actual, expected) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) {
    console.error(`${what}: expected ${e}, got ${a}`);
    process.exit(1);
  }
  console.log(`ok ${what}`);
}

async function refusal(what, call) {
  try {
    await call();
  } catch (error) {
    return { kind: error.name, body: await error.response.json() };
  }
  console.error(`${what}: expected a refusal`);
  process.exit(1);
}

const first = await articles.create({ title: 'First', views: 3 });
same('create answers data', Object.keys(first.data).slice(0, 3), ['id', 'documentId', 'title']);
const second = await articles.create({ title: 'Second', views: 5 });

const selected = await articles.find({ fields: ['title'], sort: 'title:asc' });
same('find with fields', selected.data.map((e) => Object.keys(e)), [
  ['id', 'documentId', 'title'],
  ['id', 'documentId', 'title'],
]);
same('find meta', selected.meta.pagination, { page: 1, pageSize: 25, pageCount: 1, total: 2 });

const one = await articles.findOne(second.data.documentId, { fields: ['title', 'views'] });
same('findOne with fields', Object.keys(one.data), ['id', 'documentId', 'title', 'views']);

const filtered = await articles.find({
  filters: { views: { $gt: 4 } },
  sort: ['views:desc'],
  pagination: { page: 1, pageSize: 1 },
});
same('filters, sort, pagination', filtered.data.map((e) => e.title), ['Second']);
same('page meta', filtered.meta.pagination, { page: 1, pageSize: 1, pageCount: 1, total: 1 });

const updated = await articles.update(first.data.documentId, { title: 'First, edited' });
same('update', updated.data.title, 'First, edited');

const drafts = await articles.find({ status: 'draft', fields: ['title'], sort: 'title' });
same('status=draft', drafts.data.map((e) => e.title), ['First, edited', 'Second']);

const unknownFilter = await refusal('unknown filter', () =>
  articles.find({ filters: { nope: { $eq: 'x' } } }),
);
same('unknown filter refused', unknownFilter.kind, 'HTTPBadRequestError');
same('unknown filter error', unknownFilter.body.error, {
  status: 400,
  name: 'ValidationError',
  message: 'Invalid key nope',
  details: { key: 'nope', path: null, source: 'query', param: 'filters' },
});
const unknownOperator = await refusal('unknown operator', () =>
  articles.find({ filters: { title: { $nope: 'x' } } }),
);
same('unknown operator error', unknownOperator.body.error.message, 'Invalid key $nope at title');
same('unknown operator details', unknownOperator.body.error.details, {
  key: '$nope',
  path: 'title',
  source: 'query',
  param: 'filters',
});
const unknownField = await refusal('unknown field', () => articles.find({ fields: ['nope'] }));
same('unknown field details', unknownField.body.error.details, {
  key: 'nope',
  path: null,
  source: 'query',
  param: 'fields',
});
const badBody = await refusal('bad body', () => articles.create({ title: 5 }));
same('bad body refused', badBody.kind, 'HTTPBadRequestError');
same('bad body error', badBody.body.error.details.errors[0].path, ['title']);
same('bad body value', badBody.body.error.details.errors[0].value, 5);
same(
  'bad body message',
  badBody.body.error.message,
  'title must be a `string` type, but the final value was: `5`.',
);
same('error bodies hold data: null', badBody.body.data, null);
same('findOne meta', one.meta, {});

await articles.delete(second.data.documentId);
const gone = await refusal('deleted', () => articles.findOne(second.data.documentId));
same('deleted is 404', gone.kind, 'HTTPNotFoundError');
same('not found error', gone.body.error, {
  status: 404,
  name: 'NotFoundError',
  message: 'Not Found',
  details: {},
});
console.log('all checks passed');
