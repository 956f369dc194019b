// The GraphQL playground (`GET /graphql` in development): a query, its variables and a token,
// sent to `POST /graphql`; the answer shown as it came. The token stays in this tab
// (sessionStorage), as the panel's session does.

const KEY = 'vellum.playground-token';
const form = document.getElementById('playground');
const token = document.getElementById('f-token');
const query = document.getElementById('f-query');
const variables = document.getElementById('f-variables');
const variablesError = document.getElementById('f-variables-error');
const answer = document.getElementById('answer');

token.value = sessionStorage.getItem(KEY) || '';

async function run() {
  variablesError.textContent = '';
  variables.removeAttribute('aria-invalid');
  let parsed = {};
  try {
    parsed = variables.value.trim() ? JSON.parse(variables.value) : {};
  } catch {
    variablesError.textContent = 'The variables are not valid JSON.';
    variables.setAttribute('aria-invalid', 'true');
    variables.focus();
    return;
  }
  sessionStorage.setItem(KEY, token.value);
  answer.textContent = 'Running…';
  try {
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token.value.trim()}` },
      body: JSON.stringify({ query: query.value, variables: parsed }),
      credentials: 'omit',
    });
    const text = await response.text();
    let shown = text;
    try {
      shown = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      // Shown as it came.
    }
    answer.textContent = `${response.status} ${response.statusText}\n${shown}`;
  } catch {
    answer.textContent = 'The server could not be reached.';
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  run();
});
form.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    run();
  }
});
