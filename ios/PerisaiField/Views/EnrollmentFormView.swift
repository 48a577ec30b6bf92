import PerisaiCore
import PerisaiFieldKit
import SwiftUI

/// The form, drawn from the core's definition; errors and warnings are the core's report.
struct EnrollmentFormView: View {
    @EnvironmentObject var model: AppModel
    let correcting: String?
    @State private var form: EnrollmentForm?
    @State private var fields: [FieldUI] = []
    @State private var warnings: [IssueUI] = []
    @State private var problem: String?
    @State private var submittedId: String?

    var body: some View {
        Form {
            ForEach(fields) { field in
                Section(header: Text(field.required ? "\(field.label) (wajib)" : field.label)) {
                    input(for: field)
                    ForEach(field.errors, id: \.self) { Text($0).foregroundColor(.red).font(.footnote) }
                    ForEach(field.warnings, id: \.self) { Text($0).foregroundColor(.orange).font(.footnote) }
                    if field.errors.isEmpty && field.warnings.isEmpty { Text(field.hint).font(.footnote) }
                }
            }
            if let problem { Text(problem).foregroundColor(.red) }
            Button("Periksa") { change { try? $0.check() } }
            Button("Simpan & antre") { submit(accept: false) }.buttonStyle(.borderedProminent)
        }
        .navigationTitle(correcting == nil ? "Pendaftaran" : "Perbaiki pendaftaran")
        .onAppear(perform: load)
        .alert("Periksa sebelum menyimpan", isPresented: Binding(get: { !warnings.isEmpty }, set: { if !$0 { warnings = [] } })) {
            Button("Tetap simpan") { submit(accept: true) }
            Button("Periksa lagi", role: .cancel) { warnings = [] }
        } message: {
            Text(warnings.map(\.message).joined(separator: "\n"))
        }
        .navigationDestination(isPresented: Binding(get: { submittedId != nil }, set: { if !$0 { submittedId = nil } })) {
            if let id = submittedId { ReceiptScreen(id: id) }
        }
    }

    @ViewBuilder
    private func input(for field: FieldUI) -> some View {
        switch field.kind {
        case .text, .date, .integer:
            TextField(field.kind == .date ? "YYYY-MM-DD" : field.label, text: Binding(
                get: { field.text },
                set: { value in change { $0.setText(field.key, value) } }
            ))
            .keyboardType(field.kind == .text ? .default : .numbersAndPunctuation)
        case .choice, .multiChoice:
            ForEach(Array(field.options.enumerated()), id: \.offset) { index, label in
                Button {
                    change { $0.select(field.key, index) }
                } label: {
                    HStack {
                        Image(systemName: field.selected.contains(index) ? "checkmark.circle.fill" : "circle")
                        Text(label)
                    }
                }
            }
        case .boolean:
            Toggle(field.hint, isOn: Binding(get: { field.checked }, set: { value in change { $0.setChecked(field.key, value) } }))
        case .location:
            Text(field.hint)
        }
    }

    private func load() {
        guard form == nil else { return }
        model.run({ app in try EnrollmentForm(app: app, lang: model.lang, correcting: correcting) }) { result in
            if case let .success(f) = result {
                form = f
                fields = f.fields
            }
        }
    }

    /// Every change and core call on the model's lane; the fields are redrawn after.
    private func change(_ edit: @escaping (EnrollmentForm) -> Void) {
        guard let form else { return }
        model.run({ _ in edit(form); return form.fields }) { result in
            if case let .success(f) = result { fields = f }
        }
    }

    private func submit(accept: Bool) {
        guard let form else { return }
        warnings = []
        model.run({ _ in form.submit(acceptWarnings: accept) }) { result in
            fields = form.fields
            guard case let .success(outcome) = result else { return }
            switch outcome {
            case let .done(submitted): submittedId = submitted.id
            case let .confirmWarnings(list): warnings = list
            case .fixErrors: problem = nil
            case let .refused(_, message): problem = message
            }
        }
    }
}
