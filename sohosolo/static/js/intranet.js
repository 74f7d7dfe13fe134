// Deleting or closing on the intranet asks first: a form with data-confirm="Question?" submits only when confirmed.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset ? event.target.dataset.confirm : undefined;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
