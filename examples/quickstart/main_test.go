package main

// The quickstart prints a verdict for each of its three people: self-care,
// a referral with a caution, and an incomplete questionnaire.
func Example_main() {
	main()
	// Output:
	// Rule set: upper-back-self-adjustment 1.1.0 (sha256:1fc41b552278a84a73c74a3f37bce64da085a2f00832671fcbf8a46b2f471df5)
	//
	// Ana: stiff after a long week at the desk
	//   outcome: self_care
	//
	// Ben: pops ten times a day, relief lasts two minutes
	//   outcome: see_professional
	//   refer: Relief from popping lasts less than five minutes
	//     If popping your back only helps for a few minutes, it isn't solving the problem. Stop self-adjusting and call a physical therapist or chiropractor.
	//     source: Popping your upper back yourself: safe techniques and when to stop (000_00087ff1b98cbee7.txt), section: When To See A Professional Instead
	//   caution: Popping the back ten or more times a day
	//     Popping your back this often can overstretch the ligaments that hold your spine together. Break the habit, and loosen up with slow, gentle stretches instead of chasing the pop.
	//     source: Popping your upper back yourself: safe techniques and when to stop (000_00087ff1b98cbee7.txt), section: The Danger Of The "Self-Adjustment" Habit
	//
	// Cai: has not said how long the pain has lasted
	//   outcome: incomplete
	//   still to answer: [pain_days]
	//
	// This supports triage; it is not a diagnosis. If you are worried, or your symptoms change, contact a health professional.
}
