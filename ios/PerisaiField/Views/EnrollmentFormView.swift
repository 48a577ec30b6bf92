import PerisaiCore
import PerisaiFieldKit
import SwiftUI

/// The form, drawn from the core's definition; errors and warnings are the core's report. What is
/// typed lives in the screen state (EnrollmentScreen), which outlives a relock and is kept as a
/// draft when the agent leaves.
struct EnrollmentFormView: View {
    @EnvironmentObject var model: AppModel
    @ObservedObject var screen: EnrollmentScreen

    var body: some View {
        Form {
            if let note = screen.reviewNote {
                Text("\(model.t(ScreenText.reviewNote)): \(note)").foregroundColor(.orange)
            }
            ForEach(screen.fields) { field in
                Section(header: Text(field.required ? "\(field.label) (\(model.t(ScreenText.required)))" : field.label)) {
                    input(for: field)
                    ForEach(field.errors, id: \.self) { Text($0).foregroundColor(.red).font(.footnote) }
                    ForEach(field.warnings, id: \.self) { Text($0).foregroundColor(.orange).font(.footnote) }
                    if field.errors.isEmpty && field.warnings.isEmpty { Text(field.hint).font(.footnote) }
                }
            }
            if let quote = screen.quote {
                Text("\(model.t(ScreenText.contributionQuote)): \(quote.totalFormatted) \(ScreenText.forMonths(quote.months).text(model.lang))")
                    .font(.headline)
            }
            if let problem = screen.problem { Text(problem).foregroundColor(.red) }
            Button(model.t(ScreenText.check)) { screen.check() }
            if screen.correcting == nil { Button(model.t(ScreenText.saveDraft)) { screen.saveDraft() } }
            Button(model.t(ScreenText.submit)) { screen.submit() }.buttonStyle(.borderedProminent)
        }
        .navigationTitle(screen.title)
        .alert(model.t(ScreenText.confirmTitle), isPresented: Binding(get: { !screen.warnings.isEmpty },
                                                                      set: { if !$0 { screen.dismissWarnings() } })) {
            Button(model.t(ScreenText.saveAnyway)) { screen.submit(acceptWarnings: true) }
            Button(model.t(ScreenText.lookAgain), role: .cancel) { screen.dismissWarnings() }
        } message: {
            Text(screen.warnings.map(\.message).joined(separator: "\n"))
        }
    }

    @ViewBuilder
    private func input(for field: FieldUI) -> some View {
        switch field.kind {
        case .text, .date, .integer:
            TextField(field.kind == .date ? "YYYY-MM-DD" : field.label,
                      text: Binding(get: { field.text }, set: { screen.setText(field.key, $0) }))
                .keyboardType(keyboard(field.input))
                .textInputAutocapitalization(field.input == .name ? .words : .never)
        case .choice, .multiChoice:
            ForEach(Array(field.options.enumerated()), id: \.offset) { index, label in
                Button {
                    screen.select(field.key, index)
                } label: {
                    HStack {
                        Image(systemName: field.selected.contains(index) ? "checkmark.circle.fill" : "circle")
                        Text(label)
                    }
                }
            }
        case .boolean:
            Toggle(field.hint, isOn: Binding(get: { field.checked }, set: { screen.setChecked(field.key, $0) }))
        case .location:
            if let taken = field.location { Text(taken) }
            if let problem = screen.locationProblem { Text(problem).foregroundColor(.red).font(.footnote) }
            Button(model.t(screen.locating ? ScreenText.locating : ScreenText.takeLocation)) { screen.captureLocation() }
                .disabled(screen.locating)
        }
    }

    private func keyboard(_ input: InputMode) -> UIKeyboardType {
        switch input {
        case .digits, .number: return .numberPad
        case .phone: return .phonePad
        case .text, .name: return .default
        }
    }
}
