"""The demo content the start command makes with the demo accounts (app.accounts.demo):
a team, a ready recording with its given transcript, feedback, a clip and a team session."""
